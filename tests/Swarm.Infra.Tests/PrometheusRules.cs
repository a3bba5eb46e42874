using System.Globalization;
using System.Text.RegularExpressions;

namespace Swarm.Infra.Tests;

/// <summary>One alert of local/prometheus/rules.yml: what its Azure Monitor twin must mirror.</summary>
public sealed record PrometheusAlert(string Name, TimeSpan For, double Threshold, string Severity, string Expression);

/// <summary>Reads the alert rules of local/prometheus/rules.yml (the subset of YAML that file uses).</summary>
public static partial class PrometheusRules
{
    public static IReadOnlyList<PrometheusAlert> All { get; } = Read();

    private static List<PrometheusAlert> Read()
    {
        var lines = File.ReadAllLines(Repository.PathOf("local", "prometheus", "rules.yml"));
        var alerts = new List<PrometheusAlert>();
        for (var i = 0; i < lines.Length; i++)
        {
            var alert = Alert().Match(lines[i]);
            if (!alert.Success)
            {
                continue;
            }

            var block = lines.Skip(i + 1).TakeWhile(l => !Alert().IsMatch(l) && !l.TrimStart().StartsWith("- name:", StringComparison.Ordinal)).ToList();
            var expression = string.Join('\n', block
                .SkipWhile(l => !l.TrimStart().StartsWith("expr:", StringComparison.Ordinal))
                .Skip(1)
                .TakeWhile(l => !Key().IsMatch(l)));
            var threshold = Threshold().Matches(expression).Last().Groups[1].Value;
            alerts.Add(new PrometheusAlert(
                alert.Groups[1].Value,
                Duration(Value(block, "for")),
                double.Parse(threshold, CultureInfo.InvariantCulture),
                Value(block, "severity"),
                expression.Trim()));
        }

        return alerts;
    }

    /// <summary>A key's value, without a trailing comment (<c>for: 30m  # demo-timers: 15s</c> is 30m).</summary>
    private static string Value(List<string> block, string key) =>
        block.Select(l => l.Trim()).First(l => l.StartsWith($"{key}:", StringComparison.Ordinal))[(key.Length + 1)..].Split(" #")[0].Trim();

    private static TimeSpan Duration(string text)
    {
        var number = int.Parse(text[..^1], CultureInfo.InvariantCulture);
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(number),
            'm' => TimeSpan.FromMinutes(number),
            'h' => TimeSpan.FromHours(number),
            _ => throw new FormatException($"unexpected duration {text}"),
        };
    }

    [GeneratedRegex(@"^\s*- alert: (\w+)\s*$")]
    private static partial Regex Alert();

    [GeneratedRegex(@"^\s{8}[a-z]+:")]
    private static partial Regex Key();

    [GeneratedRegex(@">\s*([0-9.]+)")]
    private static partial Regex Threshold();
}
