using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Registry;

namespace Pipelines.Persistence.Rows;

/// <summary>
/// The registry as both stores keep it: <c>model_versions</c> with metrics, tags and variants as JSON text,
/// <c>model_alias_moves</c> in order of their id, times in unix milliseconds.
/// </summary>
internal static class RegistryRows
{
    public const string VersionColumns = "model, version, source, base_model, dataset, adapter, run_id, step_id, metrics, review, variant, tags, registered_at, variants";

    public const string MoveColumns = "model, alias, from_version, to_version, actor, reason, moved_at, rollback";

    /// <summary><see cref="VersionColumns"/> of the table aliased <c>v</c>.</summary>
    public static readonly string AliasedVersionColumns = string.Join(", ", VersionColumns.Split(", ").Select(c => "v." + c));

    /// <summary>A new version's values: model, source, base_model, dataset, adapter, run_id, step_id, metrics, review, variant, tags, registered_at, variants.</summary>
    public static object?[] VersionValues(string model, ModelVersionDraft draft, long now) =>
    [
        model, draft.Source, draft.BaseModel, draft.Dataset, draft.Adapter, draft.RunId, draft.StepId, draft.Metrics?.ToJsonString(), draft.Review,
        draft.Variant, JsonSerializer.Serialize(draft.Tags ?? new Dictionary<string, string>()), now,
        JsonSerializer.Serialize(draft.Variants ?? new Dictionary<string, string>()),
    ];

    public static ModelVersion ReadVersion(DbDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new ModelVersion(
            reader.GetString(0), reader.GetInt32(1), reader.GetString(2), Text(3), Text(4), Text(5), Text(6), Text(7),
            Text(8) is { } metrics ? JsonNode.Parse(metrics)!.AsObject() : null, Text(9), Text(10),
            Sorted(reader.GetString(11)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)), Sorted(reader.GetString(13)));
    }

    public static AliasMove ReadMove(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetInt32(3),
        reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetBoolean(7));

    /// <summary>A model row (name, latest version, first registration) with its aliases (alias → version).</summary>
    public static RegisteredModel ReadModel(DbDataReader reader, IDictionary<string, int> aliases) =>
        new(reader.GetString(0), reader.GetInt32(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            new SortedDictionary<string, int>(aliases, StringComparer.Ordinal));

    private static SortedDictionary<string, string> Sorted(string json) =>
        new(JsonSerializer.Deserialize<Dictionary<string, string>>(json)!, StringComparer.Ordinal);
}
