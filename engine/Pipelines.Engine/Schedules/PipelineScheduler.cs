using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Runtime;
using Quartz;

namespace Pipelines.Schedules;

/// <summary>
/// Keeps Quartz's cron triggers equal to the <c>schedule</c> triggers of every pipeline's latest non-retracted version: all of
/// them at start-up, one pipeline whenever it is published or retracted (<see cref="SyncAsync"/>). One durable Quartz job
/// per trigger, keyed <c>pipeline#index</c> in the group <c>schedule:pipeline</c>, read in the trigger's time zone (UTC by
/// default). A trigger Quartz already holds as it is stays untouched (its next fire time and its misfire memory with it);
/// one that changed is replaced under the same keys, never added beside the old one, so hosts sharing a clustered
/// store converge on one trigger however many of them sync it.
/// <para>
/// Misfires: Quartz fires a late trigger once and proceeds (<see cref="CronTriggerMisfireInstruction.FireAndProceed"/>).
/// What Quartz did not hold before this start-up has no memory of its fires (the in-memory store forgets everything on
/// restart; a clustered store is new, or the trigger changed), so for those triggers start-up does the same itself from
/// <c>schedule_state</c>: a trigger that fired before and whose cron came due while nothing was running starts one
/// catch-up run (<see cref="CronTimes.MissedFire"/>). A trigger the clustered store kept is left to Quartz's misfire
/// handling, which fires it once across the cluster; catching up here too would fire it twice (docs/schedules.md).
/// </para>
/// </summary>
public sealed class PipelineScheduler(RunEngine engine, ISchedulerFactory factory, ScheduledRunStarter starter, Runtime.Stores.IScheduleStateStore states,
    ILogger<PipelineScheduler> logger) : IHostedService
{
    private const string GroupPrefix = "schedule:";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        var now = engine.Time.GetUtcNow();
        var fired = (await states.ListAsync(cancellationToken)).ToDictionary(s => (s.Pipeline, s.TriggerIndex));
        var triggers = (await ScheduledTrigger.LoadAllAsync(engine.Definitions, engine.Catalog, cancellationToken)).Where(t => t.Trigger.Schedule is not null).ToList();
        var registered = new List<ScheduledTrigger>();
        foreach (var group in triggers.GroupBy(t => t.Pipeline))
        {
            registered.AddRange(await RegisterAsync(scheduler, group.Key, [.. group], cancellationToken));
        }

        if (triggers.Count > 0) logger.LogInformation("scheduled {Count} trigger(s), {Kept} of them kept as the job store held them", triggers.Count, triggers.Count - registered.Count);

        foreach (var trigger in registered)
        {
            var last = fired.TryGetValue((trigger.Pipeline, trigger.Index), out var state) ? state.LastFireAt : null;
            if (CronTimes.MissedFire(trigger.Trigger.Schedule!, trigger.Trigger.TimeZone, last, now) is not { } missed) continue;
            logger.LogInformation("schedule {Trigger} missed {Time} while the server was down; starting one catch-up run", trigger.Name, missed);
            await starter.FireAsync(trigger.Pipeline, trigger.Index, missed, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Replaces <paramref name="pipeline"/>'s triggers with those of its latest non-retracted version (none when all are retracted).</summary>
    public async Task SyncAsync(string pipeline, CancellationToken ct)
    {
        var scheduler = await factory.GetScheduler(ct);
        // Under the firing lock: once this returns, no firing that read the old definition is still creating a run.
        var gate = starter.Lock(pipeline);
        await gate.WaitAsync(ct);
        try
        {
            var triggers = (await ScheduledTrigger.LoadAsync(engine.Definitions, engine.Catalog, pipeline, ct)).Where(t => t.Trigger.Schedule is not null).ToList();
            await RegisterAsync(scheduler, pipeline, triggers, ct);
            logger.LogInformation("{Pipeline}: {Count} schedule(s) registered", pipeline, triggers.Count);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The next fire time Quartz holds for a trigger, or null when it is not registered.</summary>
    public async Task<DateTimeOffset?> NextFireAsync(string pipeline, int index, CancellationToken ct)
    {
        var scheduler = await factory.GetScheduler(ct);
        return (await scheduler.GetTrigger(new TriggerKey($"{pipeline}#{index}", GroupPrefix + pipeline), ct))?.NextFireTimeUtc;
    }

    /// <summary>
    /// Makes the group of <paramref name="pipeline"/> hold exactly <paramref name="triggers"/>: keeps what is already held
    /// as it should be, replaces what changed, adds what is new, deletes the rest. Returns the triggers it (re)wrote.
    /// </summary>
    private static async Task<IReadOnlyList<ScheduledTrigger>> RegisterAsync(IScheduler scheduler, string pipeline, IReadOnlyList<ScheduledTrigger> triggers, CancellationToken ct)
    {
        var group = GroupPrefix + pipeline;
        var wanted = triggers.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var stale = (await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(group), ct)).Where(k => !wanted.Contains(k.Name)).ToList();
        if (stale.Count > 0) await scheduler.DeleteJobs(stale, ct);

        var written = new List<ScheduledTrigger>();
        foreach (var trigger in triggers)
        {
            var expression = CronTimes.Parse(trigger.Trigger.Schedule!, trigger.Trigger.TimeZone);
            if (await scheduler.GetTrigger(new TriggerKey(trigger.Name, group), ct) is ICronTrigger held
                && held.CronExpressionString == expression.CronExpressionString && held.TimeZone.Id == expression.TimeZone.Id
                && held.MisfireInstruction == CronTriggerMisfireInstruction.FireAndProceed)
            {
                continue;
            }

            // Durable: the job outlives a moment without its trigger. Strings only, so the clustered store keeps them as text.
            var job = JobBuilder.Create<ScheduleFireJob>()
                .WithIdentity(trigger.Name, group)
                .StoreDurably()
                .UsingJobData(ScheduleFireJob.PipelineKey, trigger.Pipeline)
                .UsingJobData(ScheduleFireJob.IndexKey, trigger.Index.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Build();
            var cron = TriggerBuilder.Create(scheduler.TimeProvider)
                .WithIdentity(trigger.Name, group)
                .ForJob(job)
                .WithSchedule(CronScheduleBuilder.Create(expression).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .StartNow()
                .Build();
            await scheduler.ScheduleJob(job, [cron], ScheduleJobOptions.Replacing, ct);
            written.Add(trigger);
        }

        return written;
    }
}
