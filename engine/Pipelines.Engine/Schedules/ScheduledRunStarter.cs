using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipelines.Api;
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
}

/// <summary>
/// Does what a trigger's firing means: re-reads the trigger from the latest version (so a firing that raced a publish or
/// retract acts on what is published now), skips while the previous run of this trigger is still going unless
/// <c>concurrency: allow</c>, else creates a run with the trigger's params, enqueues it and records the firing in
/// <c>schedule_state</c>. Firings of one pipeline, and re-syncs of it, are serialised.
/// </summary>
public sealed class ScheduledRunStarter(RunEngine engine, RunQueue queue, ScheduleStateStore states, ILogger<ScheduledRunStarter> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>The lock a pipeline's firings and re-syncs share.</summary>
    internal SemaphoreSlim Lock(string pipeline) => _locks.GetOrAdd(pipeline, _ => new SemaphoreSlim(1, 1));

    /// <summary>Fires trigger <paramref name="index"/> of <paramref name="pipeline"/> for the scheduled time <paramref name="firedAt"/>.</summary>
    public async Task<FiringOutcome> FireAsync(string pipeline, int index, DateTimeOffset firedAt, CancellationToken ct)
    {
        var gate = Lock(pipeline);
        await gate.WaitAsync(ct);
        try
        {
            return await FireLockedAsync(pipeline, index, firedAt, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<FiringOutcome> FireLockedAsync(string pipeline, int index, DateTimeOffset firedAt, CancellationToken ct)
    {
        var triggers = await ScheduledTrigger.LoadAsync(engine.Definitions, engine.Catalog, pipeline, ct);
        if (index >= triggers.Count)
        {
            logger.LogInformation("schedule {Pipeline}#{Index} no longer exists; not firing", pipeline, index);
            return FiringOutcome.SkippedUnavailable;
        }

        var trigger = triggers[index];
        var state = await states.GetAsync(pipeline, index, ct);
        if (!trigger.Trigger.AllowConcurrent && state?.LastRunId is { } previousId
            && await engine.Runs.GetRunAsync(previousId, ct) is { } previous && !StatusNames.ParseRun(previous.Status).IsTerminal())
        {
            logger.LogInformation("schedule {Trigger} skipped: its previous run {RunId} is still {Status} (concurrency: allow would start another)",
                trigger.Name, previousId, previous.Status);
            await states.RecordAsync(pipeline, index, firedAt, null, ct);
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
            runId = await engine.CreateRunAsync(version, trigger.Trigger.Params.DeepClone().AsObject(),
                new RunRequest { Trigger = $"schedule:{trigger.Name}" }, ct);
        }
        catch (RunRequestException e)
        {
            logger.LogWarning("schedule {Trigger} started no run: {Reason}", trigger.Name, string.Join("; ", e.Problems));
            return FiringOutcome.SkippedUnavailable;
        }

        await states.RecordAsync(pipeline, index, firedAt, runId, ct);
        queue.Enqueue(runId);
        logger.LogInformation("schedule {Trigger} started run {RunId} of {Reference}", trigger.Name, runId, version.Reference);
        return FiringOutcome.Started;
    }
}
