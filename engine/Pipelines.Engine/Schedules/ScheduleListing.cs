using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Schedules;

/// <summary>One trigger as <c>pipelines schedules</c> and <c>GET /api/schedules</c> show it.</summary>
public sealed record ScheduleEntry(ScheduledTrigger Trigger, ScheduleState? State, IReadOnlyList<DateTimeOffset> NextFires);

/// <summary>
/// The schedules read from the store alone (no server needed): the triggers of every pipeline's latest non-retracted
/// version, when each last fired, and the next fire times computed from the cron.
/// </summary>
public static class ScheduleListing
{
    public const int NextCount = 3;

    public static async Task<IReadOnlyList<ScheduleEntry>> ListAsync(SqliteDatabase database, ActivityCatalog catalog, DateTimeOffset now,
        CancellationToken ct)
    {
        var triggers = await ScheduledTrigger.LoadAllAsync(new DefinitionStore(database), catalog, ct);
        var states = (await new ScheduleStateStore(database).ListAsync(ct)).ToDictionary(s => (s.Pipeline, s.TriggerIndex));
        return [.. triggers.Select(t => new ScheduleEntry(t, states.GetValueOrDefault((t.Pipeline, t.Index)),
            CronTimes.Next(t.Trigger.Schedule, t.Trigger.TimeZone, now, NextCount)))];
    }

    /// <summary><c>{schedules: [{pipeline, version, trigger, schedule, timezone, params, pinnedVersion, concurrency, lastFireAt, lastRunId, nextFireTimes}]}</c>.</summary>
    public static JsonObject Json(IReadOnlyList<ScheduleEntry> entries) => new()
    {
        ["schedules"] = new JsonArray([.. entries.Select(e => (JsonNode)Json(e))]),
    };

    public static JsonObject Json(ScheduleEntry entry) => new()
    {
        ["pipeline"] = entry.Trigger.Pipeline,
        ["version"] = entry.Trigger.Version,
        ["trigger"] = entry.Trigger.Index,
        ["schedule"] = entry.Trigger.Trigger.Schedule,
        ["timezone"] = entry.Trigger.Trigger.TimeZone ?? "UTC",
        ["params"] = entry.Trigger.Trigger.Params.DeepClone(),
        ["pinnedVersion"] = entry.Trigger.Trigger.Version,
        ["concurrency"] = Concurrency(entry),
        ["lastFireAt"] = RunReport.Time(entry.State?.LastFireAt?.ToUnixTimeMilliseconds()),
        ["lastRunId"] = entry.State?.LastRunId,
        ["nextFireTimes"] = new JsonArray([.. entry.NextFires.Select(t => (JsonNode?)RunReport.Time(t.ToUnixTimeMilliseconds()))]),
    };

    public static string Concurrency(ScheduleEntry entry) => entry.Trigger.Trigger.AllowConcurrent ? "allow" : "forbid";
}
