using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

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

    public static async Task<IReadOnlyList<ScheduleEntry>> ListAsync(IDefinitionStore definitions, IScheduleStateStore scheduleStates, ActivityCatalog catalog,
        DateTimeOffset now, CancellationToken ct)
    {
        var triggers = await ScheduledTrigger.LoadAllAsync(definitions, catalog, ct);
        var states = (await scheduleStates.ListAsync(ct)).ToDictionary(s => (s.Pipeline, s.TriggerIndex));
        return [.. triggers.Select(t => new ScheduleEntry(t, states.GetValueOrDefault((t.Pipeline, t.Index)),
            t.Trigger.Schedule is { } cron ? CronTimes.Next(cron, t.Trigger.TimeZone, now, NextCount) : []))];
    }

    /// <summary>
    /// <c>{schedules: [{pipeline, version, trigger, schedule, timezone, monitor, params, pinnedVersion, concurrency, lastFireAt, lastRunId, nextFireTimes}]}</c>:
    /// a schedule has <c>schedule</c> and <c>timezone</c>, a monitor <c>monitor</c> (its params' expressions among <c>params</c>, as written) and no next fire times.
    /// </summary>
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
        ["timezone"] = entry.Trigger.Trigger.Schedule is null ? null : entry.Trigger.Trigger.TimeZone ?? "UTC",
        ["monitor"] = entry.Trigger.Trigger.Monitor is { } monitor ? Json(monitor) : null,
        ["params"] = Params(entry.Trigger.Trigger),
        ["pinnedVersion"] = entry.Trigger.Trigger.Version,
        ["concurrency"] = Concurrency(entry),
        ["lastFireAt"] = RunReport.Time(entry.State?.LastFireAt?.ToUnixTimeMilliseconds()),
        ["lastRunId"] = entry.State?.LastRunId,
        ["nextFireTimes"] = new JsonArray([.. entry.NextFires.Select(t => (JsonNode?)RunReport.Time(t.ToUnixTimeMilliseconds()))]),
    };

    private static JsonObject Json(MonitorDefinition monitor) => new()
    {
        ["model"] = monitor.Model,
        ["when"] = monitor.When.Text,
        ["window"] = Duration.Format(monitor.Window),
        ["every"] = Duration.Format(monitor.Every),
        ["cooldown"] = Duration.Format(monitor.Cooldown),
        ["minRequests"] = monitor.MinRequests,
    };

    private static JsonObject Params(TriggerDefinition trigger)
    {
        var values = trigger.Params.DeepClone().AsObject();
        foreach (var (name, template) in trigger.Monitor?.ParamExpressions ?? []) values[name] = template.Text;
        return values;
    }

    public static string Concurrency(ScheduleEntry entry) => entry.Trigger.Trigger.AllowConcurrent ? "allow" : "forbid";
}
