// Test classes run in parallel collections: the in-process commands share one embedded host, the `swarm up`
// tests run one child process at a time (each with its own dashboard).
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
