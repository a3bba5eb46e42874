namespace Swarm.Cli.Tests;

/// <summary>A host that needs a function key (as Azure does): <c>--key</c> or <c>SWARM_FUNCTION_KEY</c> sends it.</summary>
public sealed class FunctionKeyTests : IAsyncLifetime
{
    private const string Key = "cli-test-key";
    private EmbeddedHost _host = null!;

    public async Task InitializeAsync() => _host = await EmbeddedHost.StartAsync(Key);

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Without_the_key_the_server_refuses_and_the_cli_exits_1()
    {
        var result = await Cli.RunAsync("work", "list", "--url", _host.Url);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("401", result.Err, StringComparison.Ordinal);
        Assert.Contains("Function key required", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_goes_as_the_option_or_from_the_environment()
    {
        var option = await Cli.RunAsync("work", "list", "--url", _host.Url, "--key", Key);
        var environment = await Cli.RunAsync(["agents"], new() { ["SWARM_URL"] = _host.Url, ["SWARM_FUNCTION_KEY"] = Key });

        Assert.True(option.ExitCode == 0, option.ToString());
        Assert.True(environment.ExitCode == 0, environment.ToString());
    }
}
