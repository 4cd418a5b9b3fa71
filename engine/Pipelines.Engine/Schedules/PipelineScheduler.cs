using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Runtime;
using Quartz;

namespace Pipelines.Schedules;

/// <summary>
/// Keeps Quartz's cron triggers equal to the <c>schedule</c> triggers of every pipeline's latest non-retracted version: all of
/// them at start-up, one pipeline whenever it is published or retracted (<see cref="SyncAsync"/>). One Quartz job per
/// trigger, keyed <c>pipeline#index</c> in the group <c>schedule:pipeline</c>, read in the trigger's time zone (UTC by
/// default).
/// <para>
/// Misfires: within a process Quartz fires a late trigger once and proceeds (<see cref="CronTriggerMisfireInstruction.FireAndProceed"/>).
/// The job store is in memory and forgets everything on restart, so start-up does the same itself from
/// <c>schedule_state</c>: a trigger that fired before and whose cron came due while nothing was running starts one
/// catch-up run (<see cref="CronTimes.MissedFire"/>). Several hosts need Quartz's clustered job store on PostgreSQL
/// (so a schedule fires once across hosts); it comes with the PostgreSQL store.
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
        foreach (var group in triggers.GroupBy(t => t.Pipeline))
        {
            await RegisterAsync(scheduler, group.Key, [.. group], cancellationToken);
        }

        if (triggers.Count > 0) logger.LogInformation("scheduled {Count} trigger(s)", triggers.Count);

        foreach (var trigger in triggers)
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

    private static async Task RegisterAsync(IScheduler scheduler, string pipeline, IReadOnlyList<ScheduledTrigger> triggers, CancellationToken ct)
    {
        var group = GroupPrefix + pipeline;
        await scheduler.DeleteJobs(GroupMatcher<JobKey>.GroupEquals(group), ct);
        foreach (var trigger in triggers)
        {
            var job = JobBuilder.Create<ScheduleFireJob>()
                .WithIdentity(trigger.Name, group)
                .UsingJobData(ScheduleFireJob.PipelineKey, trigger.Pipeline)
                .UsingJobData(ScheduleFireJob.IndexKey, trigger.Index)
                .Build();
            var cron = TriggerBuilder.Create(scheduler.TimeProvider)
                .WithIdentity(trigger.Name, group)
                .ForJob(job)
                .WithSchedule(CronScheduleBuilder.Create(CronTimes.Parse(trigger.Trigger.Schedule!, trigger.Trigger.TimeZone))
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .StartNow()
                .Build();
            await scheduler.ScheduleJob(job, cron, cancellationToken: ct);
        }
    }
}
