using System.Diagnostics;

namespace Swarm.Benchmarks;

/// <summary>A closed-loop load: <c>inFlight</c> workers each run one operation after another until the window ends.</summary>
public static class ClosedLoop
{
    /// <summary>Runs the loop; the latencies come back sorted, in milliseconds.</summary>
    public static async Task<(int Runs, double Seconds, List<double> Latencies)> RunAsync(int inFlight, TimeSpan window, Func<int, int, Task> once)
    {
        var latencies = new List<double>();
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async slot =>
        {
            var mine = new List<double>();
            for (var iteration = 0; total.Elapsed < window; iteration++)
            {
                var started = Stopwatch.GetTimestamp();
                await once(slot, iteration);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        var seconds = total.Elapsed.TotalSeconds;
        latencies.Sort();
        return (latencies.Count, seconds, latencies);
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> of already sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
