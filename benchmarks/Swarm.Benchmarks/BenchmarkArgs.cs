using System.Globalization;

namespace Swarm.Benchmarks;

/// <summary>The harnesses' shared command line and output: <c>--name N</c> options and <c>figure: name = value unit</c> lines.</summary>
public static class BenchmarkArgs
{
    /// <summary>The integer after <paramref name="name"/> anywhere in <paramref name="args"/>, else <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    /// <summary>The text after <paramref name="name"/> anywhere in <paramref name="args"/>, else null.</summary>
    public static string? Text(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    public static string Figure(string name, double value, string unit, string format = "0.0") =>
        $"figure: {name} = {value.ToString(format, CultureInfo.InvariantCulture)} {unit}";
}
