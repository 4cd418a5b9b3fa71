using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// A worker's side of the shared step queue: while this process has a free execution slot, it claims the oldest
/// ticket of the default pool or of a pool it serves (<see cref="RuntimeOptions.Pools"/>), runs the attempt as a local
/// one is run (<see cref="StepRunner"/>: cache, timeout, cancellation), and finishes the ticket with the outcome,
/// claiming the slot's next ticket in the same transaction while there is one. The
/// engine's heartbeat renews the claims (<see cref="RenewAsync"/>), and stops attempts whose run is being cancelled or
/// that another worker has claimed since. Stopping the process hands its tickets back at once, for another worker.
/// What a running attempt logs and reports is written to the store every <see cref="LiveInterval"/> for its
/// coordinator to show live (<see cref="IStepQueue.AppendLiveAsync"/>); its outcome still carries every line.
/// </summary>
internal sealed class StepExecutor : IAsyncDisposable
{
    /// <summary>How often the queue is looked at without a notification (expired leases are only found this way).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>How often an idle worker looks for claims held by dead workers of this host, or lost by itself.</summary>
    public static readonly TimeSpan TidyInterval = TimeSpan.FromSeconds(2);

    /// <summary>How often what running attempts logged and reported is written for their coordinators.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);

    private readonly IStepQueue _queue;
    private readonly ActivityCatalog _catalog;
    private readonly StepServices _services;
    private readonly SecretMask _mask;
    private readonly RuntimeOptions _options;
    private readonly Doorbell _bell;
    private readonly ConcurrentDictionary<StepKey, Attempt> _running = new();
    private readonly ConcurrentDictionary<Guid, Task> _slots = new(); // a task per slot in use, running claim after claim
    private HashSet<(StepKey, int)> _suspects = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private Task? _relay;
    private long _nextTidy;

    private sealed record Attempt(ClaimedTicket Claim, CancellationTokenSource Stop, LiveLog Live);

    public StepExecutor(IStepQueue queue, ActivityCatalog catalog, StepServices services, SecretMask mask, RuntimeOptions options)
    {
        _queue = queue;
        _catalog = catalog;
        _services = services;
        _mask = mask;
        _options = options;
        _bell = new Doorbell(services.Time);
    }

    /// <summary>Attempts this worker runs now.</summary>
    public int Running => _running.Count;

    /// <summary>A ticket was queued somewhere: look now.</summary>
    public void Queued() => _bell.Ring();

    public void Start()
    {
        _loop ??= Task.Run(LoopAsync);
        _relay ??= Task.Run(RelayAsync);
    }

    /// <summary>Writes what the running attempts logged and reported since the last write; what fails to be written goes with the next.</summary>
    private async Task RelayAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(LiveInterval, _services.Time, _stop.Token).ConfigureAwait(false);
                var taken = _running.Values.Select(a => (a.Live, Update: a.Live.Take(a.Claim))).Where(t => t.Update is not null).ToList();
                if (taken.Count == 0) continue;
                await _queue.AppendLiveAsync([.. taken.Select(t => t.Update!)], _stop.Token).ConfigureAwait(false);
                foreach (var (live, update) in taken) live.Sent(update!);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The store is down for now: the lines stay unsent and go with the next write (the outcome has them all).
            }
        }
    }

    private async Task LoopAsync()
    {
        var pools = _options.Pools;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await TakeSlotAsync(_stop.Token).ConfigureAwait(false);
                ClaimedTicket? claim;
                try
                {
                    var now = Now();
                    claim = await _queue.ClaimAsync(_options.Owner, pools, now, now + (long)_options.LeaseDuration.TotalMilliseconds, _stop.Token)
                        .ConfigureAwait(false);
                }
                catch
                {
                    _services.Slots.Release();
                    throw;
                }

                if (claim is null)
                {
                    _services.Slots.Release();
                    await TidyClaimsAsync().ConfigureAwait(false);
                    await _bell.WaitAsync(PollInterval, _stop.Token).ConfigureAwait(false);
                    continue;
                }

                RunInSlot(claim);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The store is down (restarting, or the network): try again shortly. Whatever the error, the loop
                // outlives it: a worker that stopped claiming would look alive while running nothing.
                try
                {
                    await _bell.WaitAsync(PollInterval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Now and then, while idle: the claims of workers on this host that are gone (killed, crashed) are given up at once,
    /// instead of when their leases lapse (a worker on another host can only be known dead by its lease); and a claim of
    /// this worker that it does not run (the store took the claim but its answer was lost, as when the server restarts)
    /// is handed back.
    /// </summary>
    private async Task TidyClaimsAsync()
    {
        var now = Now();
        if (now < _nextTidy) return;
        _nextTidy = now + (long)TidyInterval.TotalMilliseconds;
        var dead = (await _queue.ClaimantsAsync(_stop.Token).ConfigureAwait(false)).Where(ProcessOwner.IsDead).ToList();
        if (dead.Count > 0) await _queue.ExpireClaimsAsync(dead, _stop.Token).ConfigureAwait(false);
        // An orphan is a claim not running here at two looks in a row: a slot registers the claim that finishing its
        // last attempt handed it a moment after the claim, and must not lose it to this look in between.
        var suspects = new HashSet<(StepKey, int)>();
        foreach (var held in await _queue.HeldAsync(_options.Owner, _stop.Token).ConfigureAwait(false))
        {
            if (_running.ContainsKey(held.Ticket.Step)) continue;
            if (_suspects.Contains((held.Ticket.Step, held.Claims))) await _queue.ReleaseAsync(held, Now(), _stop.Token).ConfigureAwait(false);
            else suspects.Add((held.Ticket.Step, held.Claims));
        }

        _suspects = suspects;
    }

    private Task TakeSlotAsync(CancellationToken ct)
    {
        if (_services.Slots.TryAcquire()) return Task.CompletedTask;
        var granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _services.Slots.Request(() =>
        {
            // Granted after the worker stopped: pass the slot on.
            if (!granted.TrySetResult()) _services.Slots.Release();
        });
        ct.Register(() => granted.TrySetCanceled(ct));
        return granted.Task;
    }

    /// <summary>
    /// Runs <paramref name="first"/> in the slot the loop took for it, and then, for as long as finishing an attempt
    /// claims another (<see cref="IStepQueue.FinishAndClaimAsync"/>), the next; gives the slot back when none is left.
    /// </summary>
    private void RunInSlot(ClaimedTicket first)
    {
        var id = Guid.NewGuid();
        _slots[id] = Task.Run(async () =>
        {
            try
            {
                for (var claim = first; claim is not null;) claim = await RunOneAsync(claim).ConfigureAwait(false);
            }
            finally
            {
                _services.Slots.Release();
                _slots.TryRemove(id, out _);
            }
        });
    }

    /// <summary>Runs one claimed attempt and finishes it; returns the ticket claimed for the slot next, if any.</summary>
    private async Task<ClaimedTicket?> RunOneAsync(ClaimedTicket claim)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var attempt = new Attempt(claim, stop, new LiveLog(_mask));
        _running[claim.Ticket.Step] = attempt;
        try
        {
            return await ExecuteAsync(attempt).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<StepKey, Attempt>(claim.Ticket.Step, attempt));
        }
    }

    private async Task<ClaimedTicket?> ExecuteAsync(Attempt attempt)
    {
        var (claim, stop, live) = (attempt.Claim, attempt.Stop, attempt.Live);
        var ticket = claim.Ticket;
        StepResult result;
        // Secrets come sealed (names, not values): this worker puts its own values back.
        var inputs = _mask.Unseal(JsonNode.Parse(ticket.Inputs), out var missing)!.AsObject();
        IReadOnlyList<string> missingInResume = [];
        var resumption = ticket.Resume is { } resume ? _mask.Unseal(JsonNode.Parse(resume), out missingInResume) : null;
        missing = [.. missing.Union(missingInResume)];
        if (ticket.Uses.Split('@') is not [var type, var versionText] || !int.TryParse(versionText, out var version)
            || _catalog.Find(type, version) is not { } activity)
        {
            result = StepResult.Failure($"the worker {_options.Owner} has no activity {ticket.Uses}; run workers of one build", retryable: true);
        }
        else if (missing.Count > 0)
        {
            result = StepResult.Failure($"the worker {_options.Owner} has no secret {string.Join(", ", missing)} that the step's inputs read; set "
                                        + string.Join(", ", missing.Select(m => RuntimeOptions.SecretPrefix + m.ToUpperInvariant()))
                                        + " on every worker, as on the host that started the run", retryable: true);
        }
        else
        {
            var context = _services.ContextFor(ticket.Step.RunId, ticket.Step.StepId, ticket.Attempt, live.Log, live, resumption);
            result = await StepRunner.RunAsync(activity, inputs, ticket.CacheKey, ticket.Lookup, _services.Runs,
                ticket.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, context, _mask, stop.Token).ConfigureAwait(false);
        }

        if (_stop.IsCancellationRequested)
        {
            // This process is stopping, not the run: hand the ticket back for another worker to resume.
            await ReleaseAsync(claim).ConfigureAwait(false);
            return null;
        }

        var outcome = StepOutcome.Write(result, live.Lines(), _options.Owner);
        var ended = result.Succeeded ? "succeeded" : result.Cancelled ? "cancelled" : result.Bookmark is not null ? "suspended" : "failed";
        return await FinishAsync(claim, outcome, ended).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the outcome and claims the slot's next ticket in the same transaction (none when stopping), trying again
    /// while the store is unreachable and the claim may still be this worker's. A claim whose answer was lost in a
    /// failed try is an orphan that <see cref="TidyClaimsAsync"/> hands back.
    /// </summary>
    private async Task<ClaimedTicket?> FinishAsync(ClaimedTicket claim, string outcome, string ended)
    {
        var giveUpAt = Now() + (long)_options.LeaseDuration.TotalMilliseconds;
        while (true)
        {
            try
            {
                var now = Now();
                if (_stop.IsCancellationRequested)
                {
                    await _queue.FinishAsync(claim, outcome, ended, now, CancellationToken.None).ConfigureAwait(false);
                    return null;
                }

                var (_, next) = await _queue.FinishAndClaimAsync(claim, outcome, ended, _options.Pools, now, now + (long)_options.LeaseDuration.TotalMilliseconds,
                    CancellationToken.None).ConfigureAwait(false);
                return next;
            }
            catch (Exception) when (Now() < giveUpAt)
            {
                await Task.Delay(PollInterval, _services.Time).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return null; // the lease has lapsed by now: another worker runs it again, from its checkpoint
            }
        }
    }

    private async Task ReleaseAsync(ClaimedTicket claim)
    {
        try
        {
            await _queue.ReleaseAsync(claim, Now(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its lease lapses instead.
        }
    }

    /// <summary>Renews the claims of the attempts running here; stops those whose run is cancelling or that are no longer this worker's.</summary>
    public async Task RenewAsync(CancellationToken ct)
    {
        var holding = _running.Values.Select(a => a.Claim).ToList();
        if (holding.Count == 0) return;
        var expires = Now() + (long)_options.LeaseDuration.TotalMilliseconds;
        foreach (var step in await _queue.RenewAsync(_options.Owner, expires, holding, ct).ConfigureAwait(false))
        {
            if (_running.TryGetValue(step, out var attempt))
            {
                try
                {
                    await attempt.Stop.CancelAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // It ended meanwhile.
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        if (_relay is not null) await _relay.ConfigureAwait(false);
        await Task.WhenAll(_slots.Values).ConfigureAwait(false);
        _stop.Dispose();
    }

    private long Now() => _services.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// What one attempt logged (masked; all of it goes with its outcome) and its latest progress report, and how much of
    /// each has been written for its coordinator: at most <see cref="MaxLines"/> lines are relayed live.
    /// </summary>
    private sealed class LiveLog(SecretMask mask) : IProgress<ProgressUpdate>
    {
        public const int MaxLines = 10_000;

        private const int MaxLinesPerWrite = 1_000;

        private readonly List<string> _lines = [];
        private ProgressUpdate? _progress;
        private int _seq;
        private int _sentLines;
        private int _sentSeq;

        public void Log(string line)
        {
            line = mask.Apply(line)!;
            lock (_lines) _lines.Add(line);
        }

        public void Report(ProgressUpdate value)
        {
            value = value with { Message = mask.Apply(value.Message) };
            lock (_lines) (_progress, _seq) = (value, _seq + 1);
        }

        public List<string> Lines()
        {
            lock (_lines) return [.. _lines];
        }

        /// <summary>What is new since the last write, or null.</summary>
        public LiveUpdate? Take(ClaimedTicket claim)
        {
            lock (_lines)
            {
                var count = Math.Min(Math.Min(_lines.Count, MaxLines) - _sentLines, MaxLinesPerWrite);
                var progress = _seq > _sentSeq ? StepOutcome.WriteProgress(_progress!) : null;
                if (count <= 0 && progress is null) return null;
                return new LiveUpdate(claim, _sentLines, count > 0 ? _lines.GetRange(_sentLines, count) : [], progress, _seq);
            }
        }

        public void Sent(LiveUpdate update)
        {
            lock (_lines)
            {
                _sentLines = Math.Max(_sentLines, update.FirstLine + update.Lines.Count);
                if (update.Progress is not null) _sentSeq = Math.Max(_sentSeq, update.ProgressSeq);
            }
        }
    }
}
