using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// A run coordinator's side of the shared step queue: an attempt that needs a slot becomes a ticket in the queue
/// (<see cref="IStepQueue"/>) and its result comes back from whichever worker claimed it, on this host or another.
/// Outcomes are looked for when the queue notifies that one finished, and on a short poll besides (a notification lost
/// while the connection was down is never waited for). The coordinator applies the result exactly as a local one.
/// </summary>
internal sealed class StepDispatcher : IAsyncDisposable
{
    /// <summary>How often outcomes are looked for without a notification.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly IStepQueue _queue;
    private readonly ConcurrentDictionary<StepKey, Waiter> _waiting = new();
    private readonly Doorbell _look;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startLock = new();
    private readonly ConcurrentQueue<StepKey> _notified = new();
    private long _lastSweep;
    private Task? _loop;

    private sealed record Waiter(int Attempt, TaskCompletionSource<FinishedTicket> Outcome);

    public StepDispatcher(IStepQueue queue, TimeProvider time, int maxDispatched)
    {
        _queue = queue;
        _time = time;
        _look = new Doorbell(time);
        Slots = new SlotPool(maxDispatched);
    }

    /// <summary>How many attempts this process's coordinators may have in the queue at once: the slots they take instead of execution slots.</summary>
    public SlotPool Slots { get; }

    /// <summary>Called when a notification says a ticket finished (from the queue's listener): that ticket is looked at now.</summary>
    public void Finished(StepKey step)
    {
        if (_waiting.ContainsKey(step)) Look(step);
    }

    /// <summary>
    /// Queues the attempt and waits for its outcome; <paramref name="adopt"/>: the run was taken over with this step
    /// caught running, so the ticket of that attempt, if still there, is waited on instead of running it again.
    /// Stopping (<paramref name="stop"/>) leaves the ticket in the queue: a cancelled run's workers stop within a
    /// heartbeat, and a detached run's next coordinator adopts it.
    /// </summary>
    public async Task<StepResult> RunAsync(StepTicket ticket, bool adopt, Action<string> log, CancellationToken stop)
    {
        var waiter = new Waiter(ticket.Attempt, new TaskCompletionSource<FinishedTicket>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting[ticket.Step] = waiter;
        try
        {
            await EnqueueAsync(ticket, adopt, stop).ConfigureAwait(false);
            if (ticket.Pool is { } pool) log($"queued for a worker of pool '{pool}'");
            EnsureLoop();
            Look(ticket.Step); // an adopted ticket may have finished already
            var finished = await waiter.Outcome.Task.WaitAsync(stop).ConfigureAwait(false);
            return StepOutcome.Read(finished.Outcome, log, finished.Claims);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return StepResult.Cancellation();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the store being down (that is waited out): the attempt is retried under the step's policy.
            return StepResult.Failure($"the step queue refused the attempt ({e.GetType().Name}: {e.Message})", retryable: true);
        }
        finally
        {
            _waiting.TryRemove(new KeyValuePair<StepKey, Waiter>(ticket.Step, waiter));
        }
    }

    /// <summary>Queues the ticket, waiting while the store cannot be reached (restarting): that is no failure of the step.</summary>
    private async Task EnqueueAsync(StepTicket ticket, bool adopt, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await _queue.EnqueueAsync(ticket, adopt, stop).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (Persistence.StoreErrors.IsTransient(e) && !stop.IsCancellationRequested)
            {
                await Task.Delay(PollInterval, _time, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Drops the tickets of a run that has ended.</summary>
    public Task ForgetRunAsync(string runId, CancellationToken ct) => _queue.ForgetRunAsync(runId, ct);

    /// <summary>Has the loop look at <paramref name="step"/>'s ticket now, not at the next poll of every ticket.</summary>
    private void Look(StepKey step)
    {
        _notified.Enqueue(step);
        _look.Ring();
    }

    private void EnsureLoop()
    {
        lock (_startLock)
        {
            _loop ??= Task.Run(LoopAsync);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _look.WaitAsync(PollInterval, _stop.Token).ConfigureAwait(false);
                // The tickets notified since the last look, and every ticket waited on once a poll interval: a
                // notification per finished ticket must not cost a query over every ticket still running.
                var now = _time.GetTimestamp();
                var sweep = _time.GetElapsedTime(_lastSweep, now) >= PollInterval;
                var notified = new HashSet<StepKey>();
                while (_notified.TryDequeue(out var step)) notified.Add(step);
                if (sweep) _lastSweep = now;
                IReadOnlyCollection<StepKey> look = sweep ? [.. _waiting.Keys] : notified;
                if (look.Count == 0) continue;
                foreach (var finished in await _queue.FinishedAsync(look, _stop.Token).ConfigureAwait(false))
                {
                    if (_waiting.TryGetValue(finished.Step, out var waiter) && waiter.Attempt == finished.Attempt) waiter.Outcome.TrySetResult(finished);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The store is down for now (restarting, the network): the next poll tries again, and the waiters keep
                // waiting. Whatever the error, this loop must outlive it: it is the only way outcomes come back.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>
/// How an attempt run by a worker ended, as it travels through the step queue: the <see cref="StepResult"/>, the
/// lines the activity logged (masked by the worker) and which worker ran it, which reach the run's log when the result
/// is applied.
/// </summary>
internal static class StepOutcome
{
    public static string Write(StepResult result, IReadOnlyList<string> logs, string worker)
    {
        var outcome = new JsonObject
        {
            ["worker"] = worker,
            ["outputs"] = result.Outputs?.DeepClone(),
            ["error"] = result.Error,
            ["retryable"] = result.Retryable,
            ["cancelled"] = result.Cancelled,
            ["cached"] = result.Cached,
            ["cacheKey"] = result.CacheKey,
            ["bookmark"] = result.Bookmark,
            ["logs"] = new JsonArray([.. logs.Select(l => (JsonNode?)JsonValue.Create(l))]),
        };
        return outcome.ToJsonString();
    }

    /// <summary>The result, its logged lines handed to <paramref name="log"/>; a ticket claimed more than once says so.</summary>
    public static StepResult Read(string text, Action<string> log, int claims)
    {
        var outcome = JsonNode.Parse(text)!.AsObject();
        if (claims > 1) log($"its worker was lost {claims - 1} time(s); another worker claimed it and resumed it from its last checkpoint");
        log($"ran on worker {(string?)outcome["worker"]}");
        foreach (var line in outcome["logs"]?.AsArray() ?? []) log(line!.GetValue<string>());
        return new StepResult(outcome["outputs"]?.AsObject().DeepClone().AsObject(), (string?)outcome["error"], (bool)outcome["retryable"]!,
            (bool)outcome["cancelled"]!, (bool)outcome["cached"]!, (string?)outcome["cacheKey"], (string?)outcome["bookmark"], LostAttempts: claims - 1);
    }
}
