using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// A run coordinator's side of the shared step queue: an attempt that needs a slot becomes a ticket in the queue
/// (<see cref="IStepQueue"/>) and its result comes back from whichever worker claimed it, on this host or another.
/// Outcomes are looked for when the queue notifies that one finished, and on a short poll besides (a notification lost
/// while the connection was down is never waited for). The coordinator applies the result exactly as a local one.
/// While anyone in this process watches runs (<c>wantLive</c>), each poll also relays what the running attempts have
/// logged and reported so far (<see cref="IStepQueue.LiveAsync"/>): their lines and progress appear as they run, and
/// the lines already shown are stored, not shown again, when the outcome comes.
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
    private readonly Func<bool> _wantLive;
    private long _lastSweep;
    private Task? _loop;

    /// <summary>An attempt waited on; the claim, line and progress report relayed so far are the loop's alone to change.</summary>
    private sealed class Waiter(int attempt, IStepLog log)
    {
        public int Attempt { get; } = attempt;

        public IStepLog Log { get; } = log;

        public TaskCompletionSource<FinishedTicket> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Claim { get; set; }

        public int NextLine { get; set; }

        public int ProgressSeq { get; set; }
    }

    public StepDispatcher(IStepQueue queue, TimeProvider time, int maxDispatched, Func<bool>? wantLive = null)
    {
        _queue = queue;
        _time = time;
        _wantLive = wantLive ?? (static () => false);
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
    public async Task<StepResult> RunAsync(StepTicket ticket, bool adopt, IStepLog log, CancellationToken stop)
    {
        var waiter = new Waiter(ticket.Attempt, log);
        _waiting[ticket.Step] = waiter;
        try
        {
            await EnqueueAsync(ticket, adopt, stop).ConfigureAwait(false);
            if (ticket.Pool is { } pool) log.Log($"queued for a worker of pool '{pool}'");
            EnsureLoop();
            Look(ticket.Step); // an adopted ticket may have finished already
            var finished = await waiter.Outcome.Task.WaitAsync(stop).ConfigureAwait(false);
            // The outcome was set by the loop after its last relay: what it relayed of this claim is not shown again.
            return StepOutcome.Read(finished.Outcome, log, finished.Claims, relayed: waiter.Claim == finished.Claims ? waiter.NextLine : 0);
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
                if (sweep && _wantLive()) await RelayAsync().ConfigureAwait(false);
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

    /// <summary>Publishes what the running attempts waited on have logged and reported since the last look.</summary>
    private async Task RelayAsync()
    {
        var waiters = _waiting.Where(w => !w.Value.Outcome.Task.IsCompleted).ToList();
        if (waiters.Count == 0) return;
        var cursors = waiters.Select(w => new LiveCursor(w.Key, w.Value.Attempt, w.Value.Claim, w.Value.NextLine, w.Value.ProgressSeq)).ToList();
        foreach (var news in await _queue.LiveAsync(cursors, _stop.Token).ConfigureAwait(false))
        {
            if (!_waiting.TryGetValue(news.Step, out var waiter)) continue;
            if (news.Claim != waiter.Claim) (waiter.Claim, waiter.NextLine, waiter.ProgressSeq) = (news.Claim, 0, 0);
            if (news.FirstLine != waiter.NextLine) continue;
            foreach (var line in news.Lines) waiter.Log.Relay(line);
            waiter.NextLine += news.Lines.Count;
            if (news.Progress is not null && news.ProgressSeq > waiter.ProgressSeq)
            {
                waiter.ProgressSeq = news.ProgressSeq;
                if (StepOutcome.ReadProgress(news.Progress) is { } progress) waiter.Log.Report(progress);
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

/// <summary>Where an attempt's log lines and progress reports go on its coordinator, whether it runs there or on a worker.</summary>
internal interface IStepLog : IProgress<ProgressUpdate>
{
    /// <summary>A line stored with the run and shown live.</summary>
    void Log(string line);

    /// <summary>A line stored with the run that was shown live already (relayed while its worker ran it).</summary>
    void Store(string line);

    /// <summary>A line a worker logged, shown live now; its outcome stores it later.</summary>
    void Relay(string line);
}

/// <summary>
/// How an attempt run by a worker ended, as it travels through the step queue: the <see cref="StepResult"/>, the
/// lines the activity logged (masked by the worker) and which worker ran it, which reach the run's log when the result
/// is applied.
/// </summary>
internal static class StepOutcome
{
    /// <summary>A progress report as it travels to the coordinator: fraction, message and metrics.</summary>
    public static string WriteProgress(ProgressUpdate progress) => new JsonObject
    {
        ["fraction"] = progress.Fraction,
        ["message"] = progress.Message,
        ["metrics"] = progress.Metrics is null ? null : new JsonObject(progress.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))),
    }.ToJsonString();

    /// <summary>The report <see cref="WriteProgress"/> wrote; null when it cannot be read (a worker of another build).</summary>
    public static ProgressUpdate? ReadProgress(string text)
    {
        try
        {
            var progress = JsonNode.Parse(text)!.AsObject();
            return new ProgressUpdate((double?)progress["fraction"], (string?)progress["message"],
                progress["metrics"]?.AsObject().ToDictionary(m => m.Key, m => (double)m.Value!));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null;
        }
    }

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

    /// <summary>
    /// The result, its logged lines handed to <paramref name="log"/>; a ticket claimed more than once says so. The first
    /// <paramref name="relayed"/> lines were shown live as the worker ran: they are stored, not shown again.
    /// </summary>
    public static StepResult Read(string text, IStepLog log, int claims, int relayed = 0)
    {
        var outcome = JsonNode.Parse(text)!.AsObject();
        if (claims > 1) log.Log($"its worker was lost {claims - 1} time(s); another worker claimed it and resumed it from its last checkpoint");
        log.Log($"ran on worker {(string?)outcome["worker"]}");
        var index = 0;
        foreach (var line in outcome["logs"]?.AsArray() ?? [])
        {
            if (index++ < relayed) log.Store(line!.GetValue<string>());
            else log.Log(line!.GetValue<string>());
        }

        return new StepResult(outcome["outputs"]?.AsObject().DeepClone().AsObject(), (string?)outcome["error"], (bool)outcome["retryable"]!,
            (bool)outcome["cancelled"]!, (bool)outcome["cached"]!, (string?)outcome["cacheKey"], (string?)outcome["bookmark"], LostAttempts: claims - 1);
    }
}
