using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Diagnostics;
using Pipelines.Persistence;
using Pipelines.Yaml;

namespace Pipelines.Runtime;

/// <summary>
/// A run as one JSON document, the same for <c>pipelines runs show --json</c> and the HTTP API:
/// <c>{"id","pipeline","version","status","params","steps":[{"id","status","attempts","cached","started","finished","outputs","error"}]}</c>.
/// Statuses are lower-case, times ISO-8601 UTC or null, outputs JSON or null; steps are in definition order with
/// each matrix step's combinations right after it.
/// </summary>
public static class RunReport
{
    /// <summary>The run's report, or null when the store has no run with that id.</summary>
    public static async Task<JsonObject?> BuildAsync(Stores.IRunStore store, Stores.IDefinitionStore definitions, string runId, CancellationToken ct)
    {
        var run = await store.GetRunAsync(runId, ct).ConfigureAwait(false);
        if (run is null) return null;

        var steps = new JsonArray();
        foreach (var step in await StepsInOrderAsync(store, definitions, run, ct).ConfigureAwait(false))
        {
            steps.Add(new JsonObject
            {
                ["id"] = step.StepId,
                ["status"] = step.Status,
                ["attempts"] = step.Attempts,
                ["cached"] = step.Cached,
                ["started"] = Time(step.StartedAt),
                ["finished"] = Time(step.FinishedAt),
                ["outputs"] = Json(step.Outputs),
                ["error"] = step.Error,
            });
        }

        return new JsonObject
        {
            ["id"] = run.Id,
            ["pipeline"] = run.Pipeline,
            ["version"] = run.Version,
            ["status"] = run.Status,
            ["params"] = Json(run.Params) ?? new JsonObject(),
            ["steps"] = steps,
        };
    }

    /// <summary>
    /// A run's step executions in the order its pipeline file lists the steps, each matrix step followed by its
    /// combinations by index. Steps the file does not list (it cannot be read) come last, by id.
    /// </summary>
    public static async Task<IReadOnlyList<StepRow>> StepsInOrderAsync(Stores.IRunStore store, Stores.IDefinitionStore definitions, RunRow run, CancellationToken ct)
    {
        var rows = await store.GetStepsAsync(run.Id, ct).ConfigureAwait(false);
        var definition = await definitions.GetAsync(run.Pipeline, run.Version, ct).ConfigureAwait(false);
        return InOrder(run.Id, rows, definition is null ? [] : StepOrder(definition.Yaml));
    }

    /// <summary>The step ids of a pipeline file in the order written; empty when the file cannot be read.</summary>
    public static IReadOnlyList<string> StepOrder(string yaml)
    {
        // The published text already validated, so the order of the keys under `steps` is the order of the steps;
        // reading only the tree needs no activity catalog.
        var root = YamlReader.Read("pipeline", yaml, new DiagnosticBag()) as MappingNode;
        return root?["steps"] is MappingNode steps ? steps.Entries.Select(e => e.Key.Value).ToList() : [];
    }

    /// <summary>
    /// Orders step rows by <paramref name="order"/>, matrix combinations right after their step. A step has no row
    /// until its first transition (runs are created with the run row only), so steps of <paramref name="order"/>
    /// without one are listed as pending.
    /// </summary>
    public static IReadOnlyList<StepRow> InOrder(string runId, IEnumerable<StepRow> rows, IReadOnlyList<string> order)
    {
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < order.Count; i++) position.TryAdd(order[i], i);

        var present = rows.ToList();
        var ids = present.Select(r => r.StepId).ToHashSet(StringComparer.Ordinal);
        var pending = order.Where(id => !ids.Contains(id)).Select(id => new StepRow(
            runId, id, null, null, StepStatus.Pending.Name(), 0, 0, false, null, null, null, null, null, null, null, null));
        return present.Concat(pending)
            .OrderBy(r => position.TryGetValue(r.ParentId ?? r.StepId, out var p) ? p : int.MaxValue)
            .ThenBy(r => r.ParentId ?? r.StepId, StringComparer.Ordinal)
            .ThenBy(r => r.ParentId is null ? -1 : ChildIndex(r.StepId))
            .ToList();
    }

    /// <summary>A unix-milliseconds time as ISO-8601 UTC (<c>2025-01-31T09:30:00.123Z</c>), or null.</summary>
    public static string? Time(long? unixMilliseconds) =>
        unixMilliseconds is { } ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : null;

    /// <summary>The combination index of a matrix child id such as <c>sweep[12]</c>.</summary>
    private static int ChildIndex(string id)
    {
        var open = id.LastIndexOf('[');
        return open >= 0 && id.EndsWith(']') && int.TryParse(id.AsSpan(open + 1, id.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : int.MaxValue;
    }

    private static JsonNode? Json(string? text)
    {
        if (text is null) return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text); // never lose what was stored, even if it is not JSON
        }
    }
}
