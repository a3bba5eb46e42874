using Swarm.Benchmarks;

return args.FirstOrDefault() switch
{
    "throughput" => await ThroughputHarness.RunAsync(args.Skip(1).ToArray()),
    "telemetry" => await TelemetryHarness.RunAsync(args.Skip(1).ToArray()),
    "transition" => TransitionBenchmark.Run(args.Skip(1).ToArray()),
    "census" => await TelemetryCensus.RunAsync(args.Skip(1).ToArray()),
    "alerts" => await AlertDeliveryHarness.RunAsync(args.Skip(1).ToArray()),
    "instances" => await InstanceListHarness.RunAsync(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project benchmarks/Swarm.Benchmarks -- throughput [--seconds N] | alerts [--deliveries N] [--storm N] | instances [--instances N]  (each: [--backend memory|azurite])");
    Console.Error.WriteLine("       dotnet run -c Release --project benchmarks/Swarm.Benchmarks -- telemetry [--seconds N] [--rounds N]");
    Console.Error.WriteLine("       dotnet run -c Release --project benchmarks/Swarm.Benchmarks -- transition | census [--chains N]");
    return 2;
}
