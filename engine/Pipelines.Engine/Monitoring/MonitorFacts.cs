using System.Text.Json.Nodes;

namespace Pipelines.Monitoring;

/// <summary>
/// What a <c>monitor</c> trigger's <c>when</c> and params read about a served model's latest window: the vocabulary is
/// the engine's (so validation can check every name before anything runs), the values come from the
/// <see cref="IModelMonitor"/> the host was given. Numbers the window cannot tell (no sampled prompt, no training data
/// to compare with, no rating) are null, and every comparison with null is false, so a monitor never fires on what was
/// not measured.
/// <list type="bullet">
/// <item><c>drift.status</c> (<c>ok</c>, <c>warn</c> or <c>drift</c>, the worst feature's), <c>drift.samples</c>, and per
/// feature: <c>drift.prompt_length.psi|wasserstein|status</c>, <c>drift.token_distribution.js|status</c>,
/// <c>drift.unknown_token_rate.psi|difference|status</c>, <c>drift.non_ascii_share.psi|difference|status</c>;</item>
/// <item><c>quality.requests</c>, <c>toxicity_rate</c>, <c>pii_leak_rate</c>, <c>empty_rate</c>, <c>truncated_rate</c>,
/// <c>mean_output_tokens</c>, <c>ratings</c>, <c>mean_rating</c> (over the sampled requests);</item>
/// <item><c>window.requests</c> (all requests of the served version in the window), <c>window.sampled</c>,
/// <c>window.start</c>, <c>window.end</c> (ISO 8601) and <c>window.seconds</c>;</item>
/// <item><c>model.reference</c>, <c>model.name</c>, <c>model.alias</c>, <c>model.version</c>, <c>model.variant</c>.</item>
/// </list>
/// </summary>
public static class MonitorFacts
{
    /// <summary>The names a monitor expression starts from.</summary>
    public static readonly IReadOnlyList<string> Roots = ["drift", "quality", "window", "model"];

    private static readonly string[] FeatureNames = ["prompt_length", "token_distribution", "unknown_token_rate", "non_ascii_share"];

    /// <summary>The fields of every object of the facts, by dotted path; a path that is not a key here is a value.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Fields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["drift"] = ["status", "samples", .. FeatureNames],
        ["drift.prompt_length"] = ["psi", "wasserstein", "status"],
        ["drift.token_distribution"] = ["js", "status"],
        ["drift.unknown_token_rate"] = ["psi", "difference", "status"],
        ["drift.non_ascii_share"] = ["psi", "difference", "status"],
        ["quality"] = ["requests", "toxicity_rate", "pii_leak_rate", "empty_rate", "truncated_rate", "mean_output_tokens", "ratings", "mean_rating"],
        ["window"] = ["requests", "sampled", "start", "end", "seconds"],
        ["model"] = ["reference", "name", "alias", "version", "variant"],
    };

    /// <summary>The facts with every value null: what an <see cref="IModelMonitor"/> fills in, so no name is ever missing.</summary>
    public static JsonObject Empty()
    {
        var facts = new JsonObject();
        foreach (var root in Roots) facts[root] = Node(root);
        return facts;
    }

    /// <summary>Every value's dotted path, in the order of <see cref="Fields"/>.</summary>
    public static IEnumerable<string> Paths() => Roots.SelectMany(Leaves);

    private static IEnumerable<string> Leaves(string path) =>
        Fields.TryGetValue(path, out var fields) ? fields.SelectMany(f => Leaves($"{path}.{f}")) : [path];

    private static JsonObject Node(string path)
    {
        var node = new JsonObject();
        foreach (var field in Fields[path]) node[field] = Fields.ContainsKey($"{path}.{field}") ? Node($"{path}.{field}") : null;
        return node;
    }
}
