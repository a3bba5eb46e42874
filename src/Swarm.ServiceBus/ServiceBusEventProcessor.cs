using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Swarm.Domain.Events;

namespace Swarm.ServiceBus;

/// <summary>
/// The embedded host's consumer: a <see cref="ServiceBusProcessor"/> on the swarm's subscription hands each message to
/// <see cref="AgentEventDelivery"/> — the same routing and settlement as the Functions app's timer drain. Every
/// <see cref="Window"/> in which it received something is written to the bus ledger as one run (consumer <c>processor</c>).
/// </summary>
public sealed partial class ServiceBusEventProcessor(
    ServiceBusClient client,
    AgentEventDelivery delivery,
    BusLedgerStore ledger,
    IOptions<ServiceBusBusOptions> options,
    TimeProvider time,
    ILogger<ServiceBusEventProcessor> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The consumer's name in the bus ledger.</summary>
    public const string Consumer = "processor";

    /// <summary>How often the processor's counts are written to the ledger: every 30 s (only windows that received something).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private ServiceBusProcessor? _processor;
    private ITimer? _flush;
    private DateTimeOffset _windowStart;
    private int _received;
    private int _completed;
    private int _deadLettered;
    private int _abandoned;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _windowStart = time.GetUtcNow();
        _processor = client.CreateProcessor(options.Value.Topic, options.Value.Subscription, new ServiceBusProcessorOptions
        {
            AutoCompleteMessages = false,
            MaxConcurrentCalls = options.Value.MaxConcurrentCalls,
        });
        _processor.ProcessMessageAsync += HandleAsync;
        _processor.ProcessErrorAsync += args =>
        {
            ProcessorError(logger, args.Exception, args.ErrorSource.ToString(), args.EntityPath);
            return Task.CompletedTask;
        };
        _flush = time.CreateTimer(_ => _ = FlushAsync("window"), null, Window, Window);
        await _processor.StartProcessingAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is not null)
        {
            await _processor.StopProcessingAsync(cancellationToken);
        }

        await FlushAsync("cancelled");
    }

    /// <summary>One message: delivered and settled by <see cref="AgentEventDelivery"/>, then counted.</summary>
    public async Task HandleAsync(ProcessMessageEventArgs args)
    {
        var settlement = await delivery.DeliverAsync(args.Message, new ProcessorSettler(args), args.CancellationToken);
        lock (_gate)
        {
            _received++;
            switch (settlement.Action)
            {
                case SettlementAction.Complete: _completed++; break;
                case SettlementAction.DeadLetter: _deadLettered++; break;
                default: _abandoned++; break;
            }
        }
    }

    /// <summary>Writes the current window to the ledger when it received something, and starts the next one.</summary>
    public async Task FlushAsync(string ended)
    {
        BusConsumerRun run;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            run = new BusConsumerRun(Consumer, _windowStart, now, _received, _completed, _deadLettered, _abandoned, ended);
            if (_received == 0)
            {
                _windowStart = now;
                return;
            }

            (_windowStart, _received, _completed, _deadLettered, _abandoned) = (now, 0, 0, 0, 0);
        }

        try
        {
            await ledger.RecordAsync(new BusLedgerEntry(Run: run));
        }
        catch (Exception error)
        {
            LedgerWriteFailed(logger, error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_flush is not null)
        {
            await _flush.DisposeAsync();
        }

        if (_processor is not null)
        {
            await _processor.DisposeAsync();
        }
    }

    [LoggerMessage(1201, LogLevel.Error, "Service Bus processor error from {ErrorSource} on {EntityPath}", EventName = "ServiceBusProcessorError")]
    private static partial void ProcessorError(ILogger logger, Exception error, string errorSource, string entityPath);

    [LoggerMessage(1207, LogLevel.Warning, "Could not write the consumer's counts to the bus ledger", EventName = "BusLedgerWriteFailed")]
    private static partial void LedgerWriteFailed(ILogger logger, Exception error);
}
