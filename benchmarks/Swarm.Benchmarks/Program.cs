using Swarm.Benchmarks;

return args.FirstOrDefault() switch
{
    "throughput" => await ThroughputHarness.RunAsync(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project benchmarks/Swarm.Benchmarks -- throughput [--seconds N]");
    return 2;
}
