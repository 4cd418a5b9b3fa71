using Microsoft.Extensions.DependencyInjection;
using Pipelines.Persistence.Postgres;
using Pipelines.Runtime;
using Quartz;

namespace Pipelines.Schedules;

/// <summary>Registers schedules and monitor triggers (these measure through the host's <c>IModelMonitor</c>, when it has one) in a host that already has a <see cref="RunEngine"/> and a <c>RunQueue</c> (and its worker).</summary>
public static class ScheduleServices
{
    /// <param name="services">The host's services.</param>
    /// <param name="clusterStore">
    /// Where several hosts share Quartz's jobs and triggers (<see cref="ClusteredQuartz"/>), so a schedule fires once across
    /// them; null keeps Quartz in memory, for one host, restarts covered by <see cref="PipelineScheduler"/>'s own catch-up.
    /// </param>
    /// <param name="configure">More jobs for the same Quartz scheduler (review deadlines).</param>
    public static IServiceCollection AddPipelineSchedules(this IServiceCollection services, PostgresAddress? clusterStore = null, Action<IQuartzBuilder>? configure = null)
    {
        if (clusterStore is not null) services.AddHostedService(sp => new ClusteredQuartz.TablesMigration(clusterStore, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClusteredQuartz.TablesMigration>>()));
        services.AddQuartz(q =>
        {
            if (clusterStore is null) q.UseInMemoryStore();
            else ClusteredQuartz.Use(q, clusterStore);
            configure?.Invoke(q);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        services.AddSingleton(sp => sp.GetRequiredService<RunEngine>().ScheduleStates);
        services.AddSingleton<ScheduledRunStarter>();
        services.AddTransient<ScheduleFireJob>();
        services.AddSingleton<PipelineScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineScheduler>());
        services.AddSingleton<MonitorTriggers>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitorTriggers>());
        return services;
    }
}
