namespace Swarm.Cli.Tests;

/// <summary><c>swarm bus …</c> against the embedded host in this process (its in-process bus).</summary>
[Collection(EmbeddedHostCollection.Name)]
public sealed class BusCommandTests(EmbeddedHost host)
{
    [Fact]
    public async Task Bus_says_which_bus_is_in_effect_and_what_it_delivered()
    {
        var claimed = await Run("work", "claim", "feature", "Over the bus", "--team", "t-bus", "--json");
        Assert.True(claimed.ExitCode == 0, claimed.ToString());

        // The claim's event is published by its orchestration's first activity, shortly after the claim is answered.
        var json = await Cli.EventuallyAsync(
            () => Run("bus", "--json"), r => r.ExitCode == 0 && r.Json().GetProperty("ledger").GetProperty("completed").GetInt64() >= 1, TimeSpan.FromSeconds(20));
        var text = await Run("bus");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("in-process", text.Out, StringComparison.Ordinal);
        Assert.Contains("ServiceBusConnection__fullyQualifiedNamespace", text.Out.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("in-process", json.Json().GetProperty("kind").GetString());
        Assert.Equal(0, json.Json().GetProperty("deadLetters").GetInt32());
    }

    [Fact]
    public async Task Dead_letters_are_listed_and_a_bad_max_or_an_unknown_id_is_a_clear_error()
    {
        var list = await Run("bus", "dead-letters", "--json");
        var badMax = await Run("bus", "dead-letters", "--max", "0");
        var unknown = await Run("bus", "resubmit", "no-such-event");

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(0, list.Json().GetProperty("count").GetInt32());
        Assert.Equal(2, badMax.ExitCode);
        Assert.Contains("--max must be from 1 to 100", badMax.Err, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("no-such-event", unknown.Err, StringComparison.Ordinal);
    }

    private Task<CliResult> Run(params string[] args) => Cli.RunAsync([.. args, "--url", host.Url]);
}
