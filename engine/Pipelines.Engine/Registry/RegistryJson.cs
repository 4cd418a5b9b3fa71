using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Registry;

/// <summary>
/// The JSON of the model registry, as the API returns it (camelCase, times as UTC ISO 8601 with milliseconds):
/// a model <c>{name, latestVersion, createdAt, aliases: {alias: version}}</c>, a version <c>{model, version, source,
/// baseModel, dataset, adapter, runId, stepId, metrics, review, variant, variants, tags, registeredAt}</c> and an alias move
/// <c>{model, alias, from, to, actor, reason, at, rollback}</c>.
/// </summary>
public static class RegistryJson
{
    public static JsonObject Model(RegisteredModel model) => new()
    {
        ["name"] = model.Name,
        ["latestVersion"] = model.LatestVersion,
        ["createdAt"] = Time(model.CreatedAt),
        ["aliases"] = new JsonObject(model.Aliases.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value)))),
    };

    public static JsonObject Version(ModelVersion version) => new()
    {
        ["model"] = version.Model,
        ["version"] = version.Version,
        ["source"] = version.Source,
        ["baseModel"] = version.BaseModel,
        ["dataset"] = version.Dataset,
        ["adapter"] = version.Adapter,
        ["runId"] = version.RunId,
        ["stepId"] = version.StepId,
        ["metrics"] = version.Metrics?.DeepClone(),
        ["review"] = version.Review,
        ["variant"] = version.Variant,
        ["variants"] = new JsonObject(version.Variants.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value)))),
        ["tags"] = new JsonObject(version.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value)))),
        ["registeredAt"] = Time(version.RegisteredAt),
    };

    public static JsonObject Move(AliasMove move) => new()
    {
        ["model"] = move.Model,
        ["alias"] = move.Alias,
        ["from"] = move.From,
        ["to"] = move.To,
        ["actor"] = move.Actor,
        ["reason"] = move.Reason,
        ["at"] = Time(move.At),
        ["rollback"] = move.Rollback,
    };

    /// <summary>A JSON array of <paramref name="items"/>, each written by <paramref name="write"/>.</summary>
    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonObject> write) => new(items.Select(i => (JsonNode)write(i)).ToArray());

    private static string? Time(DateTimeOffset time) => RunReport.Time(time.ToUnixTimeMilliseconds());
}
