using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Expressions;
using Pipelines.Json;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

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

    [Port("The model to beat, NAME@ALIAS (email-subjects@production): the registry version the alias points at now, whose stored metrics `compare` reads as champion.metrics. While the alias is not set (the first deployment) the comparison passes, saying so.")]
    public string? Champion { get; init; }

    [Port("A condition over `metrics` (these) and `champion` ({model, alias, version, metrics}), written without ${{ }} because the gate evaluates it once it has read the champion: metrics.rougeL >= champion.metrics.rougeL.")]
    public string? Compare { get; init; }
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

    [Port("The champion compared with: {model, alias, version, metrics}; null without `champion` or while its alias is not set.")]
    public JsonObject? Champion { get; init; }

    [Port("Why the champion comparison passed or failed, e.g. \"first deployment: email-subjects has no alias production yet\".")]
    public string? Reason { get; init; }
}

/// <summary>
/// Passes or stops a run on metrics: a boolean <c>require</c> expression and/or named <c>checks</c> over a
/// <c>metrics</c> object, and, as champion/challenger, a <c>compare</c> condition against the stored metrics of the
/// registry version an alias points at (<c>champion</c>). On failure it fails the step with a message naming every
/// check that failed and its actual value — or, with <c>on_fail: pass-with-false</c>, succeeds with <c>passed: false</c>.
/// Never cached: the champion is read from the registry each time.
/// </summary>
[Activity("gate.metric", Category = "Gates", Deterministic = false,
    Description = "Passes or stops the run on metrics: a required condition, named checks, and a comparison with the registry's champion.")]
public sealed class MetricGate : IActivity<MetricGateInputs, MetricGateOutputs>
{
    public async Task<MetricGateOutputs> ExecuteAsync(MetricGateInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        if ((inputs.Champion is null) != (inputs.Compare is null))
        {
            throw new ActivityFailedException(inputs.Champion is null
                ? "gate.metric: `compare` reads champion.metrics, so it needs `champion: NAME@ALIAS` (e.g. email-subjects@production)"
                : "gate.metric: `champion` is compared through `compare`, e.g. compare: metrics.rougeL >= champion.metrics.rougeL", retryable: false);
        }

        if (inputs.Require is null && inputs.Checks is not { Count: > 0 } && inputs.Compare is null)
        {
            throw new ActivityFailedException("gate.metric needs `require` (a condition), `checks` (a list of {metric, op, value}) or `champion` with `compare`", retryable: false);
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

        JsonObject? champion = null;
        string? reason = null;
        if (inputs.Champion is { } name)
        {
            (champion, reason) = await CompareAsync(name, inputs.Compare!, inputs.Metrics, context, cancellationToken).ConfigureAwait(false);
            context.Log(reason);
            if (champion?["beaten"]?.GetValue<bool>() == false) failures.Add(reason);
            champion?.Remove("beaten");
        }

        if (failures.Count > 0 && inputs.OnFail == "fail")
        {
            throw new ActivityFailedException($"gate failed: {string.Join("; ", failures)}", retryable: false);
        }

        return new MetricGateOutputs { Passed = failures.Count == 0, Results = results, Failures = failures, Champion = champion, Reason = reason };
    }

    /// <summary>
    /// Reads the champion <paramref name="name"/> from the registry and evaluates <paramref name="compare"/> with it:
    /// the champion (with <c>beaten</c>) and the reason, or no champion and the reason the first deployment passes.
    /// </summary>
    private static async Task<(JsonObject? Champion, string Reason)> CompareAsync(string name, string compare, JsonObject? metrics, ActivityContext context,
        CancellationToken ct)
    {
        if (context.Services?.GetService(typeof(IModelRegistry)) is not IModelRegistry registry)
        {
            throw new ActivityFailedException("gate.metric's champion needs the pipelines runtime's model registry, and this context has none", retryable: false);
        }

        RegistryReference reference;
        try
        {
            reference = RegistryReference.ParseShort(name);
        }
        catch (RegistryException e)
        {
            throw new ActivityFailedException($"champion: {e.Message}; {e.Hint}", retryable: false);
        }

        if (reference.Alias is not { } alias)
        {
            throw new ActivityFailedException($"champion: '{name}' names a fixed version; name an alias (NAME@ALIAS), whose target is the current champion", retryable: false);
        }

        var current = await registry.ResolveAliasAsync(reference.Model, alias, ct).ConfigureAwait(false);
        if (current is null)
        {
            return (null, $"first deployment: {reference.Model} has no alias {alias} yet, so there is no champion to beat; the comparison passes");
        }

        var champion = new JsonObject
        {
            ["model"] = current.Model,
            ["alias"] = alias,
            ["version"] = current.Version,
            ["metrics"] = current.Metrics?.DeepClone(),
        };
        var scope = new ExpressionScope { Locals = new JsonObject { ["metrics"] = metrics?.DeepClone(), ["champion"] = champion.DeepClone() } };
        bool beaten;
        try
        {
            beaten = new ExpressionSandbox(scope).Evaluate(compare) is JsonValue value && value.TryGetValue<bool>(out var b) ? b
                : throw new ActivityFailedException($"compare: `{compare}` must be true or false (a comparison such as metrics.rougeL >= champion.metrics.rougeL)", retryable: false);
        }
        catch (ExpressionException e)
        {
            var missing = current.Metrics is null ? $" (version {current.Version} was registered without metrics)" : "";
            throw new ActivityFailedException($"compare: {e.Reason}{missing}", retryable: false);
        }

        champion["beaten"] = beaten;
        return (champion, beaten
            ? $"the challenger beats {reference.Model}@{alias} (version {current.Version}): {compare}"
            : $"the challenger does not beat {reference.Model}@{alias} (version {current.Version}): {compare} is false");
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
