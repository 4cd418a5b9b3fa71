using Microsoft.Extensions.DependencyInjection;
using Pipelines.Runtime;
using Quartz;

namespace Pipelines.Schedules;

/// <summary>Registers schedules and monitor triggers (these measure through the host's <c>IModelMonitor</c>, when it has one) in a host that already has a <see cref="RunEngine"/> and a <c>RunQueue</c> (and its worker).</summary>
public static class ScheduleServices
{
    /// <param name="services">The host's services.</param>
    /// <param name="configure">More jobs for the same Quartz scheduler (review deadlines).</param>
    public static IServiceCollection AddPipelineSchedules(this IServiceCollection services, Action<IQuartzBuilder>? configure = null)
    {
        // In memory: restarts are covered by PipelineScheduler's own catch-up; the clustered store comes with PostgreSQL.
        services.AddQuartz(q =>
        {
            q.UseInMemoryStore();
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
