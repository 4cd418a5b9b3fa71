using Microsoft.Extensions.Logging;
using Pipelines.Api;
using Pipelines.Hosting;
using Pipelines.Runtime;
using Quartz;

namespace Pipelines.Reviews;

/// <summary>
/// A Quartz job, fired every second: settles reviews whose deadline passed (applying <c>on_timeout</c>), resumes
/// decided reviews whose step still waits, and queues their runs for the <see cref="RunWorker"/>. Deadlines are read
/// from the store at each firing, so a restart loses none of them.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ReviewDeadlineJob(RunEngine engine, RunQueue queue, ILogger<ReviewDeadlineJob> logger) : IJob
{
    public static readonly JobKey Key = new("review-deadlines", "reviews");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var runId in await ReviewResolution.SweepAsync(engine, engine.Time.GetUtcNow(), cancellationToken))
            {
                logger.LogInformation("review of run {RunId} settled; resuming it", runId);
                queue.Enqueue(runId);
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // A busy database delays one sweep; the next firing catches up.
            logger.LogWarning("review deadline sweep skipped: {Message}", e.Message);
        }
    }

    /// <summary>Adds the job to the host's Quartz, with a trigger every second.</summary>
    public static void Configure(IQuartzBuilder quartz)
    {
        quartz.AddJob<ReviewDeadlineJob>(job => job.WithIdentity(Key).StoreDurably());
        quartz.AddTrigger(trigger => trigger
            .ForJob(Key)
            .WithIdentity("review-deadlines-every-second", "reviews")
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(1)).RepeatForever()));
    }
}
