using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Persistence.Postgres;
using Quartz;

namespace Pipelines.Schedules;

/// <summary>
/// Quartz on a shared PostgreSQL database (<c>serve --schedule-store</c>), clustered: every host runs a scheduler of the
/// same name with an instance id of its own; a trigger's firing is claimed in the database, so it runs on one host, and
/// a host that stops checking in is taken for dead after <see cref="CheckinMisfireThreshold"/>, when a survivor releases
/// the triggers it had claimed. The tables come from <see cref="QuartzTables"/>, migrated before the scheduler starts.
/// </summary>
public static class ClusteredQuartz
{
    /// <summary>The scheduler name every host shares: the rows of one cluster.</summary>
    public const string SchedulerName = "pipelines";

    /// <summary>How often a host records that it is alive.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How overdue a check-in may be before the host is taken for dead: short, so its triggers move within seconds, but
    /// several check-ins long, so a busy host is not declared dead while it still fires.
    /// </summary>
    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>A firing later than this is a misfire (fired once, then on schedule); the in-memory store's own default, so both behave alike.</summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>Configures <paramref name="quartz"/> to keep its jobs and triggers in <paramref name="store"/>, clustered.</summary>
    public static void Use(IQuartzBuilder quartz, PostgresAddress store)
    {
        quartz.ConfigureScheduler(s =>
        {
            s.InstanceName = SchedulerName;
            // Unique per process, even for two processes on one machine; readable in qrtz_scheduler_state.
            s.InstanceId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        });
        quartz.UsePersistentStore(s =>
        {
            s.UsePostgres(store.ConnectionString);
            s.UseClustering(c =>
            {
                c.CheckinInterval = CheckinInterval;
                c.CheckinMisfireThreshold = CheckinMisfireThreshold;
            });
            s.ConfigureStore(o =>
            {
                o.TablePrefix = QuartzTables.Prefix;
                o.StoreJobDataAsStrings = true;
                o.MisfireThreshold = MisfireThreshold;
                // Claiming the next triggers under the cluster's row lock: no two hosts claim the same firing.
                o.AcquireTriggersWithinLock = true;
                o.SchemaProvisioning = SchemaProvisioning.Validate;
            });
        });
    }

    /// <summary>Migrates the Quartz tables at start-up; registered before Quartz's own hosted service, so it runs first.</summary>
    public sealed class TablesMigration(PostgresAddress store, ILogger<TablesMigration> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await QuartzTables.MigrateAsync(store, cancellationToken);
            logger.LogInformation("schedules: clustered Quartz on {Store}", store); // the address without its password
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
