using System.Text.Json.Nodes;

namespace Pipelines.Expressions;

/// <summary>
/// What an expression can read: <c>params</c>, <c>steps.&lt;id&gt;.outputs|status</c>, <c>matrix</c>, <c>run</c>,
/// <c>secrets</c> and, inside <c>select</c>, <c>item</c>. Values are JSON, as stored.
/// </summary>
public sealed record ExpressionScope
{
    public static readonly IReadOnlyList<string> Roots = ["params", "steps", "matrix", "run", "secrets", "item"];

    public JsonObject Params { get; init; } = [];

    /// <summary>Step id → <c>{ "outputs": {...}, "status": "succeeded" }</c>.</summary>
    public JsonObject Steps { get; init; } = [];

    public JsonObject? Matrix { get; init; }

    public JsonObject Run { get; init; } = [];

    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    public JsonNode? Item { get; init; }

    /// <summary>
    /// Names an activity binds for a condition it evaluates itself, once it knows them (gate.metric's <c>compare</c>
    /// reads <c>metrics</c> and <c>champion</c>); each becomes a frozen global like the roots.
    /// </summary>
    public JsonObject? Locals { get; init; }
}
