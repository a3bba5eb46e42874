// Activity and meter listeners are process-wide: one telemetry pipeline at a time keeps each test's spans its own.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
