using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Board;
using Swarm.Cli.Client;

namespace Swarm.Cli.Commands;

/// <summary>
/// <c>swarm board [--url API] [--key K] [--port P] [--trace-ui URL]</c>: serves the swarm board on 127.0.0.1 against any
/// Swarm API — a local <c>swarm up</c> or a Functions app in Azure — until Ctrl+C. The board reads and acts only
/// through that API, with the key when one is given.
/// </summary>
public static class BoardCommand
{
    /// <summary>The board's default port when it runs on its own: 7073.</summary>
    public const int DefaultPort = 7073;

    public static Command Create(CliContext cli)
    {
        var port = new Option<int?>("--port") { Description = $"Loopback port of the board (default {DefaultPort}; 0 picks a free one)" };
        var traceUi = new Option<string?>("--trace-ui") { Description = "Trace UI the board's trace links open (the Aspire dashboard's URL)" };
        var command = new Command("board", "Serve the swarm board (motions, sprints, Lean projects, incidents, instances) against a Swarm API, until Ctrl+C.")
        {
            port,
            traceUi,
        };
        command.SetAction(async (parse, ct) =>
        {
            var boardPort = parse.GetValue(port) ?? DefaultPort;
            if (boardPort is < 0 or > 65535)
            {
                throw new UsageException("--port", "--port must be from 0 to 65535.");
            }

            Uri? traceUiUrl = null;
            if (parse.GetValue(traceUi) is { } trace && !Uri.TryCreate(trace, UriKind.Absolute, out traceUiUrl))
            {
                throw new UsageException("--trace-ui", $"--trace-ui '{trace}' is not an absolute URL.");
            }

            var api = cli.UrlOf(parse);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, boardPort));
            builder.WebHost.UseBoardAssets();
            builder.Services.AddSwarmBoard(builder.Configuration, o =>
            {
                o.ApiUrl = api;
                o.Key = cli.KeyOf(parse);
                o.TraceUiUrl = traceUiUrl;
            });
            await using var app = builder.Build();
            app.MapSwarmBoard();
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException error)
            {
                cli.Io.Fail($"swarm: the board cannot listen on 127.0.0.1:{boardPort} ({error.Message}); choose another port with --port.");
                return ExitCodes.Failure;
            }

            var url = new Uri(app.Urls.First());
            cli.Io.Out.MarkupLineInterpolated($"[bold green]swarm board[/] on [link]{new Uri(url, BoardHosting.Path)}[/] against {api} — Ctrl+C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C.
            }

            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }
}
