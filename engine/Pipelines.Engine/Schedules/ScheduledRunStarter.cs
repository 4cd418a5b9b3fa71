using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Pipelines.Api;
using Pipelines.Hosting;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Schedules;

/// <summary>What one firing of a trigger did.</summary>
public enum FiringOutcome
{
    /// <summary>A run was created and handed to the worker.</summary>
    Started,

    /// <summary>The trigger's previous run is still going and the trigger does not allow concurrent runs.</summary>
    SkippedStillRunning,

    /// <summary>The trigger is gone (retracted, or no longer in the latest version) or its version cannot run.</summary>
    SkippedUnavailable,

    /// <summary>A monitor's condition held, but its previous run started less than its cooldown ago.</summary>
    SkippedCooldown,
}

/// <summary>
/// Does what a trigger's firing means: re-reads the trigger from the latest version (so a firing that raced a publish or
/// retract acts on what is published now), skips while the previous run of this trigger is still going unless
/// <c>concurrency: allow</c>, else creates a run with the trigger's params, enqueues it and records the firing in
/// <c>schedule_state</c>. Firings of one pipeline, and re-syncs of it, are serialised. A monitor's firing also gives the
/// window's facts (its params' expressions read them) and is refused within the monitor's cooldown of the last run it
/// started, which <c>schedule_state</c> keeps across restarts.
/// </summary>
public sealed class ScheduledRunStarter(RunEngine engine, RunQueue queue, Runtime.Stores.IScheduleStateStore states, ILogger<ScheduledRunStarter> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>The lock a pipeline's firings and re-syncs share.</summary>
    internal SemaphoreSlim Lock(string pipeline) => _locks.GetOrAdd(pipeline, _ => new SemaphoreSlim(1, 1));

    /// <summary>Fires trigger <paramref name="index"/> of <paramref name="pipeline"/> for the scheduled time <paramref name="firedAt"/>.</summary>
    public Task<FiringOutcome> FireAsync(string pipeline, int index, DateTimeOffset firedAt, CancellationToken ct) => FireAsync(pipeline, index, firedAt, null, ct);

    /// <summary>Fires trigger <paramref name="index"/>; a monitor's firing gives the window's <paramref name="facts"/>.</summary>
    public async Task<FiringOutcome> FireAsync(string pipeline, int index, DateTimeOffset firedAt, JsonObject? facts, CancellationToken ct)
    {
        var gate = Lock(pipeline);
        await gate.WaitAsync(ct);
        try
        {
            return await FireLockedAsync(pipeline, index, firedAt, facts, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<FiringOutcome> FireLockedAsync(string pipeline, int index, DateTimeOffset firedAt, JsonObject? facts, CancellationToken ct)
    {
        var triggers = await ScheduledTrigger.LoadAsync(engine.Definitions, engine.Catalog, pipeline, ct);
        if (index >= triggers.Count)
        {
            logger.LogInformation("schedule {Pipeline}#{Index} no longer exists; not firing", pipeline, index);
            return FiringOutcome.SkippedUnavailable;
        }

        var trigger = triggers[index];
        var monitor = trigger.Trigger.Monitor;
        if (monitor is not null && facts is null)
        {
            logger.LogInformation("trigger {Trigger} is a monitor now; it fires on its window's facts, not on a schedule", trigger.Name);
            return FiringOutcome.SkippedUnavailable;
        }

        var state = await states.GetAsync(pipeline, index, ct);
        if (monitor is not null && state?.LastRunId is not null && state.LastFireAt is { } lastFire && firedAt < lastFire + monitor.Cooldown)
        {
            logger.LogInformation("monitor {Trigger} holds, but its last run {RunId} started at {At}: cooldown {Cooldown} until {Until}",
                trigger.Name, state.LastRunId, lastFire, Definitions.Duration.Format(monitor.Cooldown), lastFire + monitor.Cooldown);
            return FiringOutcome.SkippedCooldown;
        }

        if (!trigger.Trigger.AllowConcurrent && state?.LastRunId is { } previousId
            && await engine.Runs.GetRunAsync(previousId, ct) is { } previous && !StatusNames.ParseRun(previous.Status).IsTerminal())
        {
            logger.LogInformation("schedule {Trigger} skipped: its previous run {RunId} is still {Status} (concurrency: allow would start another)",
                trigger.Name, previousId, previous.Status);
            if (monitor is null) await states.RecordAsync(pipeline, index, firedAt, null, ct); // a monitor's cooldown counts from the run it started

            return FiringOutcome.SkippedStillRunning;
        }

        var version = await engine.Definitions.GetAsync(pipeline, trigger.RunVersion, ct);
        if (version is null)
        {
            logger.LogWarning("schedule {Trigger} skipped: {Pipeline}@{Version} does not exist", trigger.Name, pipeline, trigger.RunVersion);
            return FiringOutcome.SkippedUnavailable;
        }

        string runId;
        try
        {
            var parameters = monitor is null ? trigger.Trigger.Params.DeepClone().AsObject() : MonitorTriggers.Params(trigger.Trigger, facts!);
            runId = await engine.CreateRunAsync(version, parameters, new RunRequest { Trigger = TriggerText(trigger, firedAt) }, ct);
        }
        catch (Expressions.ExpressionException e)
        {
            logger.LogWarning("monitor {Trigger} started no run: a param's expression failed: {Reason}", trigger.Name, e.Message);
            return FiringOutcome.SkippedUnavailable;
        }
        catch (RunRequestException e)
        {
            logger.LogWarning("schedule {Trigger} started no run: {Reason}", trigger.Name, string.Join("; ", e.Problems));
            return FiringOutcome.SkippedUnavailable;
        }

        await states.RecordAsync(pipeline, index, firedAt, runId, ct);
        queue.Enqueue(runId);
        logger.LogInformation("{Kind} {Trigger} started run {RunId} of {Reference}", monitor is null ? "schedule" : "monitor", trigger.Name, runId, version.Reference);
        return FiringOutcome.Started;
    }

    /// <summary>
    /// What a run records as its trigger: <c>monitor:pipeline#index</c>, or <c>schedule:pipeline#index at TIME</c> with the
    /// cron's fire time this run stands for (not when it started), which tells firings apart where several hosts fire one schedule.
    /// </summary>
    public static string TriggerText(ScheduledTrigger trigger, DateTimeOffset firedAt) => trigger.Trigger.Monitor is not null
        ? $"monitor:{trigger.Name}"
        : $"schedule:{trigger.Name} at {firedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)}";
}
