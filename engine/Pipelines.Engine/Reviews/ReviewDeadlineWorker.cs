using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>
/// Once a second, settles reviews whose deadline passed and resumes decided reviews whose step still waits, then
/// queues their runs for the <see cref="RunWorker"/>. (A Quartz trigger per deadline may replace the polling later.)
/// </summary>
public sealed class ReviewDeadlineWorker(RunEngine engine, RunQueue queue, ILogger<ReviewDeadlineWorker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, engine.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var runId in await ReviewResolution.SweepAsync(engine, engine.Time.GetUtcNow(), stoppingToken))
                    {
                        logger.LogInformation("review of run {RunId} settled; resuming it", runId);
                        queue.Enqueue(runId);
                    }
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    // A busy database delays one sweep; the next one catches up.
                    logger.LogWarning("review deadline sweep skipped: {Message}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
