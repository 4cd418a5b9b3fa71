using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Json;

namespace Pipelines.Activities.Gates;

public sealed record MetricCheck
{
    [Port("The metric to check: a key of `metrics`, or a dotted path into it (bleu.score).")]
    public required string Metric { get; init; }

    [Port("How the metric compares with the value.")]
    [OneOf(">=", ">", "<=", "<", "==", "!=")]
    public required string Op { get; init; }

    [Port("The value the metric is compared with.")]
    public required double Value { get; init; }
}

public sealed record MetricGateInputs
{
    [Port("A condition that must hold, usually an expression over upstream metrics: ${{ steps.eval.outputs.metrics.rougeL >= 0.3 }}.")]
    public bool? Require { get; init; }

    [Port("Named checks that must all hold; a failure names each check that failed, with the actual value.")]
    public IReadOnlyList<MetricCheck>? Checks { get; init; }

    [Port("The metrics the checks read, e.g. ${{ steps.eval.outputs.metrics }}.")]
    public JsonObject? Metrics { get; init; }

    [Port("What a failed gate does: fail the step (and the run), or pass with passed=false so later steps can branch with `when`.")]
    [OneOf("fail", "pass-with-false")]
    public string OnFail { get; init; } = "fail";
}

public sealed record CheckResult
{
    [Port("The metric checked.")]
    public required string Metric { get; init; }

    [Port("The comparison.")]
    public required string Op { get; init; }

    [Port("The value it was compared with.")]
    public required double Value { get; init; }

    [Port("The metric's actual value (null when the metric is missing).")]
    public double? Actual { get; init; }

    [Port("Whether the check held.")]
    public required bool Passed { get; init; }
}

public sealed record MetricGateOutputs
{
    [Port("Whether every condition held.")]
    public required bool Passed { get; init; }

    [Port("Every check with its actual value.")]
    public required IReadOnlyList<CheckResult> Results { get; init; }

    [Port("One line per failed condition, e.g. \"rougeL = 0.21, needs >= 0.3\".")]
    public required IReadOnlyList<string> Failures { get; init; }
}

/// <summary>
/// Passes or stops a run on metrics: a boolean <c>require</c> expression and/or named <c>checks</c> over a
/// <c>metrics</c> object. On failure it fails the step with a message naming every check that failed and its
/// actual value — or, with <c>on_fail: pass-with-false</c>, succeeds with <c>passed: false</c>.
/// </summary>
[Activity("gate.metric", Category = "Gates", Description = "Passes or stops the run on metrics: a required condition and/or named checks.")]
public sealed class MetricGate : IActivity<MetricGateInputs, MetricGateOutputs>
{
    public Task<MetricGateOutputs> ExecuteAsync(MetricGateInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        if (inputs.Require is null && inputs.Checks is not { Count: > 0 })
        {
            throw new ActivityFailedException("gate.metric needs `require` (a condition) or `checks` (a list of {metric, op, value})", retryable: false);
        }

        var failures = new List<string>();
        if (inputs.Require == false)
        {
            failures.Add("the required condition is false");
        }

        var results = new List<CheckResult>();
        foreach (var check in inputs.Checks ?? [])
        {
            var actual = JsonNumbers.AsDouble(Find(inputs.Metrics, check.Metric));
            var passed = actual is { } value && Holds(value, check.Op, check.Value);
            results.Add(new CheckResult { Metric = check.Metric, Op = check.Op, Value = check.Value, Actual = actual, Passed = passed });
            if (!passed)
            {
                failures.Add(actual is null
                    ? $"{check.Metric} is missing from the metrics{Known(inputs.Metrics)}"
                    : $"{check.Metric} = {Format(actual.Value)}, needs {check.Op} {Format(check.Value)}");
            }
        }

        foreach (var line in results.Select(r => $"{(r.Passed ? "ok  " : "FAIL")} {r.Metric} {r.Op} {Format(r.Value)} (actual {(r.Actual is { } a ? Format(a) : "missing")})"))
        {
            context.Log(line);
        }

        if (failures.Count > 0 && inputs.OnFail == "fail")
        {
            throw new ActivityFailedException($"gate failed: {string.Join("; ", failures)}", retryable: false);
        }

        return Task.FromResult(new MetricGateOutputs { Passed = failures.Count == 0, Results = results, Failures = failures });
    }

    private static JsonNode? Find(JsonObject? metrics, string path)
    {
        JsonNode? node = metrics;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var next) ? next : null;
        }

        return node;
    }

    private static bool Holds(double actual, string op, double value) => op switch
    {
        ">=" => actual >= value,
        ">" => actual > value,
        "<=" => actual <= value,
        "<" => actual < value,
        "==" => actual == value,
        _ => actual != value,
    };

    private static string Known(JsonObject? metrics) =>
        metrics is { Count: > 0 } ? $" (it has: {string.Join(", ", metrics.Select(p => p.Key))})" : "";

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
