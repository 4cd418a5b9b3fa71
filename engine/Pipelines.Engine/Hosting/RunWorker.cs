using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipelines.Runtime;

namespace Pipelines.Hosting;

/// <summary>
/// Executes the runs started through the API, several at once (their steps share the engine's slots), and on
/// start-up resumes runs that a dead process left behind. Stopping the host detaches running runs: their running
/// steps go back to ready and the next <c>serve</c> (or <c>runs resume</c>) continues them.
/// </summary>
public sealed class RunWorker(RunEngine engine, RunQueue queue, ILogger<RunWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Task> _executing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>Runs this worker is executing now.</summary>
    public int Executing => _executing.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var resumable = await ResumableRuns.FindAsync(engine.Runs, engine.Time, stoppingToken);
            if (resumable.Count > 0) logger.LogInformation("resuming {Count} interrupted run(s)", resumable.Count);
            foreach (var id in resumable) queue.Enqueue(id);
            // On the shared store a host anywhere may die holding runs: look for them while serving, not only at start.
            if (engine.IsShared) _ = WatchForInterruptedRunsAsync(stoppingToken);

            await foreach (var id in queue.ReadAllAsync(stoppingToken))
            {
                Start(id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            var detaching = _executing.Values.ToArray();
            if (detaching.Length > 0) logger.LogInformation("detaching {Count} run(s); they resume on the next start", detaching.Length);
            await Task.WhenAll(detaching);
        }
    }

    /// <summary>
    /// How often a worker on the shared store looks for runs whose coordinator died (its lease lapsed, or its process on
    /// this host is gone); whichever host takes one over first coordinates it (<see cref="RunEngine.ExecuteAsync"/>).
    /// </summary>
    public static readonly TimeSpan InterruptedScanInterval = TimeSpan.FromSeconds(2);

    private async Task WatchForInterruptedRunsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(InterruptedScanInterval, engine.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var id in await ResumableRuns.FindAsync(engine.Runs, engine.Time, stoppingToken))
                    {
                        if (!_executing.ContainsKey(id)) queue.Enqueue(id);
                    }
                }
                catch (Exception e) when (Persistence.StoreErrors.IsTransient(e))
                {
                    // The store is down for now: look again at the next tick.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Start(string id, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_executing.TryAdd(id, started.Task)) return; // already executing here: a second start would be refused anyway

        _ = Task.Run(async () =>
        {
            try
            {
                await ExecuteOneAsync(id, stoppingToken);
            }
            finally
            {
                _executing.TryRemove(id, out _);
                started.SetResult();
            }
        }, CancellationToken.None);
    }

    private async Task ExecuteOneAsync(string id, CancellationToken stoppingToken)
    {
        try
        {
            var status = await engine.ExecuteAsync(id, stoppingToken);
            if (stoppingToken.IsCancellationRequested && !status.IsTerminal()) return;
            logger.LogInformation("run {RunId} {Status}", id, status.Name());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (RunRequestException e) when (e.OwnedElsewhere && engine.IsShared)
        {
            // Another host took it over first: nothing to do here.
        }
        catch (RunRequestException e)
        {
            logger.LogWarning("run {RunId} not executed: {Reason}", id, e.Message);
        }
        catch (Exception e)
        {
            // The message only: a trace would go to the console, and run state is in the store anyway. This process
            // still holds the run (its heartbeat renews the lease), so nobody else would take it over: it tries again
            // itself, later and later, as after a database that was restarting or busy.
            var failures = _failures.AddOrUpdate(id, 1, (_, n) => n + 1);
            var wait = RetryDelay(failures);
            logger.LogError("run {RunId} stopped by an unexpected error ({Type}): {Message}; resuming it in {Seconds:0}s", id, e.GetType().Name, e.Message,
                wait.TotalSeconds);
            _ = ResumeLaterAsync(id, wait, stoppingToken);
            return;
        }

        _failures.TryRemove(id, out _);
    }

    /// <summary>How long to wait before resuming a run that stopped on an error for the <paramref name="failures"/>th time in a row: 2 s, doubling, at most 5 min.</summary>
    public static TimeSpan RetryDelay(int failures) => TimeSpan.FromSeconds(Math.Min(300, 2 * Math.Pow(2, Math.Min(failures - 1, 10))));

    private async Task ResumeLaterAsync(string id, TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(wait, engine.Time, stoppingToken);
            queue.Enqueue(id);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the next start resumes it.
        }
    }
}
