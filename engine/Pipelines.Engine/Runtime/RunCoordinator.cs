using System.Collections.Concurrent;
using System.Threading.Channels;
using Pipelines.Activities;
using Pipelines.Artifacts;
using Pipelines.Expressions;
using Pipelines.Persistence;

namespace Pipelines.Runtime;

/// <summary>
/// Drives one run in this process. Everything that changes the run's state happens on its loop, one signal at a
/// time: settle what can be settled, claim ready steps into free slots, hand the changed rows to the writer, start the
/// claimed steps. Commits are pipelined: the loop does not wait for one before going on, but the writer commits in
/// order, so the store always holds a prefix of the run's history — a step's outputs land with the transition that
/// completes it, never after a successor's. The run's end is reported only once everything is durable, and live
/// events are published in order, each after its commit.
/// </summary>
internal sealed class RunCoordinator
{
    private const int FlushEveryInline = 128;

    private readonly RunEngine _engine;
    private readonly RunState _state;
    private Channel<Signal>? _signals; // made at the first signal: a run that finishes in one pass never needs one
    private int _executing; // attempts executing now (StepExecution.Executing)
    private ConcurrentQueue<LogRow>? _logs; // made at the first log line: most steps never log
    // Made at first use, like the collections below: most runs never need them.
    private List<CacheRow>? _cache;
    private List<LineageRow>? _lineage;
    private List<string>? _finishedCheckpoints; // succeeded steps of a run with a checkpoint folder
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _onlyHere;
    private readonly int? _deadLetter;
    private RunStatus _publishedRunStatus;
    private List<RunEvent>? _events; // announced, published once the changes behind them are committed
    private StepExecution? _onLoop; // the inline step whose synchronous part runs on this loop now, and the loop's thread
    private int _onLoopThread;
    private long _logSeq;
    private bool _cancelling;
    private string? _cancelReason;
    private bool _detaching;
    private bool _lost;
    private ITimer? _retryTimer;
    private long _retryTimerDue = long.MaxValue;
    private ITimer? _deadline;
    private HashSet<StepExecution>? _retrying;
    private Task _committed = Task.CompletedTask;
    private long _readyReported;
    private int _waitingForSlot;
    private int _grantedSlots;
    private int _closed;
    private Task _publishedTail = Task.CompletedTask;

    private abstract record Signal;

    private sealed record Completed(StepExecution Execution, StepResult Result) : Signal;

    /// <summary>Look again: a slot was granted or a retry is due.</summary>
    private sealed record Wake : Signal;

    /// <summary>Stop the run: cancelled, or failed with the reason (a run timeout).</summary>
    private sealed record CancelSignal(string? FailReason) : Signal;

    /// <summary>Stop executing but leave the run resumable (shutdown, Ctrl+C).</summary>
    private sealed record DetachSignal : Signal;

    /// <summary>Another process has taken the run over (this one's lease expired): stop at once, writing nothing.</summary>
    private sealed record LostSignal : Signal;

    /// <summary>A bookmark a step waits on was resumed with a payload.</summary>
    private sealed record ResumeSignal(string StepId, string Bookmark, System.Text.Json.Nodes.JsonNode? Payload, TaskCompletionSource<bool> Done) : Signal;

    /// <param name="onlyHere">The run was created by this process and never executed elsewhere (so its checkpoint folder, if any, was made here).</param>
    /// <param name="deadLetter">How many take-overs in a row found the previous owner dead with nothing finished since
    /// the last, when that reached <see cref="RuntimeOptions.MaxLostAttempts"/>: what was running is failed, not retried.</param>
    public RunCoordinator(RunEngine engine, RunState state, bool onlyHere, int? deadLetter = null)
    {
        _onlyHere = onlyHere;
        _deadLetter = deadLetter;
        _engine = engine;
        _state = state;
        _publishedRunStatus = state.Status;
        _logSeq = engine.Time.GetUtcNow().ToUnixTimeMilliseconds() << 10;
        foreach (var execution in state.All) execution.Announced = execution.Status;
        state.Changed = execution => Announce(execution, ready: false);
    }

    public string RunId => _state.Id;

    /// <summary>Asks the run to stop: running steps are cancelled, nothing new starts; <paramref name="failReason"/> makes it fail instead.</summary>
    public void Cancel(string? failReason = null)
    {
        Post(new CancelSignal(failReason));
    }

    /// <summary>The store says another process owns the run now: stop executing it here, writing nothing more.</summary>
    public void Abandon() => Post(new LostSignal());

    /// <summary>Resumes a step waiting on <paramref name="bookmark"/>; false when no step of this run waits on it.</summary>
    public Task<bool> ResumeAsync(string stepId, string bookmark, System.Text.Json.Nodes.JsonNode? payload)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new ResumeSignal(stepId, bookmark, payload, done))) done.TrySetResult(false);
        return done.Task;
    }

    public async Task<RunStatus> RunAsync(CancellationToken detach)
    {
        await using var registration = detach.Register(static coordinator => ((RunCoordinator)coordinator!).Post(new DetachSignal()), this);
        using var span = RuntimeMetrics.StartRun(_state.Id, _state.Definition.Name);
        var now = Now();
        if (!_onlyHere) Recover(now); // a run created here and never executed has nothing to recover
        if (_state.Status is RunStatus.Pending or RunStatus.Waiting)
        {
            _state.Status = RunStatus.Running;
        }

        _state.RunDirty = true;
        AnnounceRun();
        while (Volatile.Read(ref _signals) is { } early && early.Reader.TryRead(out var signal)) Apply(signal); // e.g. a cancel requested before we started
        if (_state.Row.TimeoutMs is { } timeoutMs)
        {
            var due = (_state.Row.StartedAt ?? now) + timeoutMs - now;
            _deadline = _engine.Time.CreateTimer(_ => Cancel($"the run timed out after {Definitions.Duration.Format(TimeSpan.FromMilliseconds(timeoutMs))}"),
                null, TimeSpan.FromMilliseconds(Math.Max(0, due)), Timeout.InfiniteTimeSpan);
        }

        try
        {
            while (true)
            {
                if (_committed.IsFaulted) await _committed; // a failed commit stops the run here; it resumes from the store
                if (_lost) throw new RunTakenOverException(_state.Id);
                now = Now();
                var toStart = new List<(StepExecution Execution, ActivityDescriptor Activity)>();
                var blocked = false;
                if (!_cancelling && !_detaching)
                {
                    ReadyRetries(now);
                    // Inline steps finish inside this pass, and what they unblock is settled and claimed in it too.
                    bool ranInline;
                    var inlineInPass = 0;
                    do
                    {
                        ranInline = false;
                        _state.Advance(now);
                        while (!_cancelling && _state.TryPeekReady(out var execution))
                        {
                            var activity = ActivityOf(execution);
                            if (!activity.Inline && !TakeGrantedSlot() && !_engine.Slots.TryAcquire())
                            {
                                blocked = true;
                                break;
                            }

                            _state.TryTakeReady(out _);
                            Claim(execution, now);
                            if (activity.Inline)
                            {
                                Start(execution, activity, holdsSlot: false, now);
                                ranInline = true;
                                // A long pass hands what it has to the writer as it goes, so the rows are written
                                // while the pass continues instead of all after it.
                                if (++inlineInPass % FlushEveryInline == 0) Flush(now);
                            }
                            else
                            {
                                toStart.Add((execution, activity));
                            }
                        }
                    }
                    while (ranInline && !blocked);
                }
                else if (_cancelling)
                {
                    CancelIdle(now);
                }

                RuntimeMetrics.ReadySteps(ref _readyReported, blocked ? _state.All.LongCount(e => e.Status == StepStatus.Ready) : 0);
                var idle = !_detaching && _executing == 0 && toStart.Count == 0;
                var finished = idle && (_state.TryComplete(_cancelling && _cancelReason is null, _cancelReason) || WaitingOnly() || Stuck(now));
                if (_detaching && _executing == 0)
                {
                    await DetachAsync(now);
                    return _state.Status;
                }

                Flush(now);
                if (finished)
                {
                    await _committed;
                    await _publishedTail;
                    if (_state.Status.IsTerminal() && _engine.Checkpoints.HasRun(_state.Id, _onlyHere))
                    {
                        await _engine.Checkpoints.DeleteRunAsync(_state.Id, CancellationToken.None); // nothing resumes a finished run
                    }

                    return _state.Status;
                }

                foreach (var (execution, activity) in toStart) Start(execution, activity, holdsSlot: true, now);
                if (blocked && Interlocked.Exchange(ref _waitingForSlot, 1) == 0)
                {
                    _engine.Slots.Request(() =>
                    {
                        Interlocked.Increment(ref _grantedSlots);
                        Volatile.Write(ref _waitingForSlot, 0);
                        if (Volatile.Read(ref _closed) == 1) ReleaseGrantedSlots(); // granted after we finished: pass it on
                        else Post(new Wake());
                    });
                }
                ScheduleRetryTimer(now);

                var signals = Signals;
                Apply(await signals.Reader.ReadAsync(CancellationToken.None));
                while (signals.Reader.TryRead(out var more)) Apply(more);
            }
        }
        catch (RunTakenOverException e)
        {
            // Another process owns the run now: stop here, write nothing more, and say so.
            throw new RunRequestException([$"{e.Message}; this process stopped executing it"]);
        }
        finally
        {
            Volatile.Write(ref _closed, 1);
            if (_executing > 0)
            {
                // The run stopped with attempts in flight (a failed commit, or taken over): end them, and free their
                // slots now, since no loop is left to apply their results.
                _stop.Cancel();
                foreach (var execution in _state.All.Where(e => e.HoldsSlot))
                {
                    execution.HoldsSlot = false;
                    _engine.Slots.Release();
                }
            }
            RuntimeMetrics.ReadySteps(ref _readyReported, 0);
            ReleaseGrantedSlots();
            _retryTimer?.Dispose();
            _deadline?.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// Executions caught mid-attempt by a previous owner's death go back to ready (the lost attempt stays counted in
    /// their attempts) — unless the run's owners keep dying with nothing finishing in between: then, as a queue's dead
    /// letter, what was running is failed instead of crashing the next process too (everything not yet finished, when
    /// the death came between steps, in the runtime itself).
    /// </summary>
    private void Recover(long now)
    {
        var running = _state.All.Where(e => e is { Status: StepStatus.Running, Children: null }).ToList();
        if (_deadLetter is { } deaths)
        {
            var caught = running.Count > 0 ? running : _state.All.Where(e => e is { Status: StepStatus.Ready or StepStatus.Pending or StepStatus.Retrying, Children: null }).ToList();
            var reason = running.Count > 0
                ? $"the process running this step died {deaths} times in a row (killed, out of memory or crashed) with nothing finishing in between; failed as a dead letter rather than tried again — fix the cause, then start a new run"
                : $"the process executing this run died {deaths} times in a row with no step running or finishing; failed as a dead letter rather than resumed again — fix the cause, then start a new run";
            foreach (var execution in caught) _state.Finish(execution, StepStatus.Failed, now, reason);
            running.Clear();
        }

        foreach (var execution in running)
        {
            execution.LeaseOwner = null;
            _state.MakeReady(execution);
        }

        foreach (var execution in _state.All.Where(e => e.Status == StepStatus.Retrying)) (_retrying ??= []).Add(execution);
    }

    private void ReadyRetries(long now)
    {
        if (_retrying is not { Count: > 0 }) return;
        foreach (var execution in _retrying.Where(e => e.NextAttemptAt <= now).ToList())
        {
            _retrying.Remove(execution);
            if (execution.Status == StepStatus.Retrying) _state.MakeReady(execution);
        }
    }

    private void Claim(StepExecution execution, long now)
    {
        execution.Status = StepStatus.Running;
        execution.Attempts++;
        execution.StartedAt ??= now;
        execution.FinishedAt = null;
        execution.NextAttemptAt = null;
        execution.Error = null;
        execution.LeaseOwner = _engine.Options.Owner;
        _state.MarkDirty(execution);
    }

    private ActivityDescriptor ActivityOf(StepExecution execution) =>
        _engine.Catalog.Find(execution.Definition.ActivityType, execution.Definition.ActivityVersion)!;

    /// <summary>
    /// Starts an attempt of a claimed step: on the thread pool when it holds a slot; on this loop when it is inline,
    /// where a result that is ready at once is applied at once.
    /// </summary>
    private void Start(StepExecution execution, ActivityDescriptor activity, bool holdsSlot, long now)
    {
        var definition = execution.Definition;
        execution.Telemetry = RuntimeMetrics.StartStep(_state.Id, execution.Id, activity.Uses, execution.Attempts);
        execution.Executing = true;
        execution.HoldsSlot = holdsSlot;
        _executing++;
        System.Text.Json.Nodes.JsonObject inputs;
        string? problem;
        IReadOnlyList<string> resolved = [];
        try
        {
            inputs = RenderInputs(execution);
            execution.Inputs = inputs; // masked when stored
            resolved = RegistryInputs.Resolve(activity, inputs, _engine.Registry);
            // Before the cache key, which would look at the files: a path outside the roots is not even fingerprinted.
            problem = FileRoots.Check(activity, inputs, _engine.FileRoots);
        }
        catch (InputException e)
        {
            (inputs, problem) = ([], $"input '{e.Input}': {e.Expression.Reason}");
        }
        catch (RegistryInputException e)
        {
            (inputs, problem) = ([], e.Message);
        }

        if (problem is not null)
        {
            // Applied like any completion (which releases the slot): through the signal queue, or at once when inline.
            var failure = StepResult.Failure(problem, retryable: false);
            if (holdsSlot) Post(new Completed(execution, failure));
            else Complete(execution, failure, now);
            return;
        }

        // A --no-cache run skips the lookup but still stores its results for later runs.
        var cacheKey = definition.Cache && activity.Deterministic ? CacheKey.Compute(activity, inputs) : null;
        var lookup = cacheKey is not null && !_state.Row.NoCache;
        execution.CacheKey = cacheKey;

        var sink = new StepSink(this, execution);
        foreach (var line in resolved) sink.Log(line);
        var context = new ActivityContext
        {
            RunId = _state.Id,
            StepId = execution.Id,
            Attempt = execution.Attempts,
            Time = _engine.Time,
            Log = sink.Log,
            Progress = sink,
            Artifacts = _engine.Artifacts,
            DataDirectory = _engine.DataDirectory,
            Checkpoints = _engine.Checkpoints.ForStep(_state.Id, execution.Id),
            Resumption = execution.Resume,
            Services = _engine.Services,
        };
        if (holdsSlot)
        {
            // The claim (running, attempt n) was handed to the writer in this pass: the attempt starts once it is
            // durable, so an attempt cut short by a crash is always counted when the next owner takes the run over.
            var claimed = _committed;
            _ = Task.Run(() => RunAttemptAsync(execution, activity, inputs, cacheKey, lookup, context, claimed));
            return;
        }

        (_onLoop, _onLoopThread) = (execution, Environment.CurrentManagedThreadId);
        var attempt = StepRunner.RunAsync(activity, inputs, cacheKey, lookup, _engine.Runs, definition.Timeout, context, _state.Mask, _stop.Token);
        _onLoop = null;
        if (attempt.IsCompleted)
        {
            Complete(execution, attempt.Result, now);
        }
        else
        {
            _ = SignalWhenDoneAsync(execution, attempt);
        }
    }

    /// <summary>An inline attempt that did not finish at once (it awaits something): its result comes back as a signal.</summary>
    private async Task SignalWhenDoneAsync(StepExecution execution, Task<StepResult> attempt) =>
        Post(new Completed(execution, await attempt.ConfigureAwait(false)));

    /// <summary>An attempt on the thread pool, its result signalled to the loop.</summary>
    private async Task RunAttemptAsync(StepExecution execution, ActivityDescriptor activity, System.Text.Json.Nodes.JsonObject inputs, string? cacheKey,
        bool lookup, ActivityContext context, Task claimed)
    {
        try
        {
            await claimed.ConfigureAwait(false);
        }
        catch
        {
            // Not stored, so not started; the loop sees the failed commit and stops the run, which resumes from the store.
            Post(new Completed(execution, StepResult.Failure("not started: its claim could not be stored", retryable: true)));
            return;
        }

        var result = await StepRunner.RunAsync(activity, inputs, cacheKey, lookup, _engine.Runs, execution.Definition.Timeout, context, _state.Mask,
            _stop.Token).ConfigureAwait(false);
        Post(new Completed(execution, result));
    }

    private System.Text.Json.Nodes.JsonObject RenderInputs(StepExecution execution)
    {
        var with = execution.Definition.With;
        ExpressionSandbox? sandbox = null;
        var inputs = new System.Text.Json.Nodes.JsonObject();
        foreach (var (name, template) in with)
        {
            if (!template.IsLiteral) sandbox ??= _state.SandboxFor(execution);
            try
            {
                inputs[name] = template.Render(sandbox!);
            }
            catch (ExpressionException e)
            {
                throw new InputException(name, e);
            }
        }

        return inputs;
    }

    /// <summary>An input's expression failed: the step fails naming the input.</summary>
    private sealed class InputException(string input, ExpressionException expression) : Exception(expression.Message, expression)
    {
        public string Input { get; } = input;

        public ExpressionException Expression { get; } = expression;
    }

    private void Apply(Signal signal)
    {
        var now = Now();
        switch (signal)
        {
            case Completed { Execution: var execution, Result: var result }:
                Complete(execution, result, now);
                break;
            case CancelSignal cancel when !_cancelling:
                _cancelling = true;
                _cancelReason = cancel.FailReason;
                _stop.Cancel();
                break;
            case DetachSignal:
                _detaching = true;
                _stop.Cancel();
                break;
            case LostSignal:
                _lost = true;
                _stop.Cancel();
                break;
            case ResumeSignal resume:
                var waiting = _state.All.FirstOrDefault(e => e.Id == resume.StepId && e.Status == StepStatus.Waiting && e.Bookmark == resume.Bookmark);
                if (waiting is not null)
                {
                    waiting.Resume = resume.Payload?.DeepClone();
                    waiting.Bookmark = null;
                    _state.MakeReady(waiting);
                }

                resume.Done.TrySetResult(waiting is not null);
                break;
        }
    }

    private void Complete(StepExecution execution, StepResult result, long now)
    {
        if (execution.Executing)
        {
            execution.Executing = false;
            _executing--;
            execution.Telemetry.End(RuntimeMetrics.Outcome(result, _detaching), _state.Mask.Apply(result.Error));
            execution.Telemetry = default;
            if (execution.HoldsSlot) _engine.Slots.Release();
            execution.HoldsSlot = false;
        }

        if (result.Bookmark is { } bookmark)
        {
            // Waiting for people or the outside world: not an attempt that failed, not a slot held.
            execution.Status = StepStatus.Waiting;
            execution.Bookmark = bookmark;
            execution.LeaseOwner = null;
            _state.MarkDirty(execution);
            Log(execution, $"waiting on {bookmark}", onLoop: true);
            return;
        }

        if (_detaching && !result.Succeeded)
        {
            // Interrupted by shutdown: not an attempt that failed; the next owner runs it again.
            execution.LeaseOwner = null;
            _state.MakeReady(execution);
            return;
        }

        if (result.Succeeded)
        {
            execution.Outputs = result.Outputs;
            execution.Cached = result.Cached;
            _state.Finish(execution, StepStatus.Succeeded, now, null);
            if (!result.Cached && result.CacheKey is not null)
            {
                (_cache ??= []).Add(new CacheRow(result.CacheKey, result.Outputs!.ToJsonString(), _state.Id, execution.Id, now));
            }

            // A run with no checkpoint folder now has none for this finished step either: nothing to delete later.
            if (!_onlyHere || _engine.Checkpoints.HasRun(_state.Id, onlyHere: true)) (_finishedCheckpoints ??= []).Add(execution.Id);
            foreach (var used in ArtifactReference.FindIn(execution.Inputs)) (_lineage ??= []).Add(new LineageRow(used.Digest, _state.Id, execution.Id, Produced: false));
            foreach (var made in ArtifactReference.FindIn(execution.Outputs)) (_lineage ??= []).Add(new LineageRow(made.Digest, _state.Id, execution.Id, Produced: true));
            return;
        }

        if (result.Cancelled)
        {
            _state.Finish(execution, StepStatus.Cancelled, now, _cancelReason ?? "cancelled");
            return;
        }

        execution.Failures++;
        var retry = execution.Definition.Retry;
        if (result.Retryable && execution.Failures <= retry.Max && !_cancelling)
        {
            var wait = retry.Backoff * Math.Pow(retry.Factor, execution.Failures - 1);
            execution.Status = StepStatus.Retrying;
            execution.Error = result.Error;
            execution.NextAttemptAt = now + (long)wait.TotalMilliseconds;
            execution.LeaseOwner = null;
            Log(execution, $"attempt {execution.Attempts} failed: {result.Error}; retrying in {Definitions.Duration.Format(wait)}", onLoop: true);
            _state.MarkDirty(execution);
            (_retrying ??= []).Add(execution);
            return;
        }

        _state.Finish(execution, StepStatus.Failed, now, result.Error);
    }

    private void CancelIdle(long now)
    {
        // Children first, so a matrix whose last children are cancelled here is cancelled in the same pass.
        foreach (var execution in _state.All.Where(e => !e.Status.IsTerminal() && !e.Executing).OrderBy(e => e.Children is null ? 0 : 1).ToList())
        {
            if (execution.Children is { } children && children.Any(c => !c.Status.IsTerminal())) continue;
            _state.Finish(execution, StepStatus.Cancelled, now, _cancelReason ?? "cancelled");
            _retrying?.Remove(execution);
        }
    }

    /// <summary>
    /// Nothing running or ready, nothing to retry, and steps wait on bookmarks: the run waits too. It is stored
    /// without an owner; resuming a bookmark makes it runnable again, in any process.
    /// </summary>
    private bool WaitingOnly()
    {
        if (_cancelling || _state.All.Any(e => e.Status is StepStatus.Ready or StepStatus.Retrying)) return false;
        if (!_state.All.Any(e => e.Status == StepStatus.Waiting)) return false;
        _state.Status = RunStatus.Waiting;
        _state.RunDirty = true;
        return true;
    }

    /// <summary>Nothing running, nothing ready, nothing to retry, yet not finished: fail what is left rather than hang.</summary>
    private bool Stuck(long now)
    {
        if (_state.All.Any(e => e.Status is StepStatus.Retrying or StepStatus.Ready)) return false;
        foreach (var execution in _state.All.Where(e => !e.Status.IsTerminal()))
        {
            _state.Finish(execution, StepStatus.Failed, now, "could not be scheduled (its upstream never finished)");
        }

        _state.Advance(now);
        return _state.TryComplete(_cancelling && _cancelReason is null, _cancelReason);
    }

    private void ScheduleRetryTimer(long now)
    {
        if (_retrying is not { Count: > 0 }) return;
        var next = _retrying.Select(e => e.NextAttemptAt ?? now).Min();
        if (next == long.MaxValue || next >= _retryTimerDue && _retryTimer is not null) return;
        _retryTimer?.Dispose();
        _retryTimerDue = next;
        _retryTimer = _engine.Time.CreateTimer(_ =>
        {
            _retryTimerDue = long.MaxValue;
            Post(new Wake());
        }, null, TimeSpan.FromMilliseconds(Math.Max(0, next - now)), Timeout.InfiniteTimeSpan);
    }

    /// <param name="onLoop">Written by the coordinator itself, on its loop (not by an activity).</param>
    private void Log(StepExecution execution, string line, bool onLoop = false)
    {
        line = _state.Mask.Apply(line);
        var at = _engine.Time.GetUtcNow();
        LazyInitializer.EnsureInitialized(ref _logs).Enqueue(new LogRow(_state.Id, execution.Id, Interlocked.Increment(ref _logSeq), at.ToUnixTimeMilliseconds(), line));
        var logged = new StepLogged(_state.Id, at, execution.Id, line);
        if (onLoop || execution == _onLoop && Environment.CurrentManagedThreadId == _onLoopThread)
        {
            // Logged on this loop (by the coordinator, or by an inline step): announced in order with the statuses,
            // after the step is announced running.
            if (_engine.Events.HasSubscribers) (_events ??= []).Add(logged);
        }
        else
        {
            _engine.Events.Publish(logged); // live, as the step runs
        }
    }

    /// <summary>
    /// Hands everything that changed to the writer without waiting for the commit; events and checkpoint clean-up
    /// follow once it is durable, in the order of the commits.
    /// </summary>
    private void Flush(long now)
    {
        var batch = new StoreBatch();
        var changed = _state.TakeDirty(batch, _engine.Options.Owner, now + (long)_engine.Options.LeaseDuration.TotalMilliseconds, now);
        TakeRecords(batch);
        if (batch.IsEmpty) return;

        // A step still ready here waits for a slot: worth announcing. One claimed in the same pass is announced as running.
        foreach (var execution in changed)
        {
            if (execution.Status == StepStatus.Ready) Announce(execution, ready: true);
        }

        AnnounceRun();
        var events = _events;
        _events = null;

        // Finished steps can no longer write checkpoints: with no folder for the run now, none has any to delete.
        List<string>? finishedSteps = null;
        if (_finishedCheckpoints is { Count: > 0 } && _engine.Checkpoints.HasRun(_state.Id, _onlyHere)) finishedSteps = [.. _finishedCheckpoints];
        _finishedCheckpoints?.Clear();
        var commit = _engine.Writer.CommitAsync(batch);
        _committed = commit;
        if (events is not null || finishedSteps is not null)
        {
            _publishedTail = AfterCommitAsync(_publishedTail, commit, events, finishedSteps);
        }
    }

    /// <summary>
    /// Queues a step's new status to be published after the commit that stores it, in the order changes happen (so a
    /// step that ran inside one pass is still seen running, then succeeded). Always queued, even with nobody listening
    /// yet: a stream that subscribes before the commit reads its snapshot from the store without this change, and only
    /// the event can tell it (publishing drops events nobody listens to by then).
    /// </summary>
    private void Announce(StepExecution execution, bool ready)
    {
        if (execution.Announced == execution.Status || execution.Status == StepStatus.Ready && !ready) return;
        execution.Announced = execution.Status;
        (_events ??= []).Add(new StepStatusChanged(_state.Id, _engine.Time.GetUtcNow(), execution.Id, execution.Status, execution.Attempts,
            execution.Cached, execution.Error, execution.Status == StepStatus.Succeeded ? execution.Outputs : null));
    }

    private void AnnounceRun()
    {
        if (_state.Status == _publishedRunStatus) return;
        _publishedRunStatus = _state.Status;
        RuntimeMetrics.RunReached(_state.Status);
        (_events ??= []).Add(new RunStatusChanged(_state.Id, _engine.Time.GetUtcNow(), _state.Status, _state.Error));
    }

    private async Task AfterCommitAsync(Task previous, Task commit, List<RunEvent>? events, List<string>? finishedSteps)
    {
        await previous.ConfigureAwait(false);
        try
        {
            await commit.ConfigureAwait(false);
        }
        catch
        {
            return; // the loop sees the failed commit and stops; nothing that was not stored is announced
        }

        foreach (var e in events ?? []) _engine.Events.Publish(e);

        // A succeeded step never runs again, so its checkpoints can go — but only once that success is durable.
        foreach (var stepId in finishedSteps ?? []) await _engine.Checkpoints.DeleteAsync(_state.Id, stepId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>On shutdown: commit what finished, leave the run running but ownerless so it resumes at once elsewhere.</summary>
    private async Task DetachAsync(long now)
    {
        var batch = new StoreBatch();
        _state.RunDirty = true;
        _state.TakeDirty(batch, owner: null, leaseExpiresAt: null, now);
        TakeRecords(batch);
        await _committed.ConfigureAwait(false);
        await _engine.Writer.CommitAsync(batch).ConfigureAwait(false);
        await _publishedTail.ConfigureAwait(false);
    }

    /// <summary>Moves the log lines, cache entries and lineage gathered since the last flush into <paramref name="batch"/>.</summary>
    private void TakeRecords(StoreBatch batch)
    {
        while (_logs is not null && _logs.TryDequeue(out var log)) batch.Logs.Add(log);
        if (_cache is { Count: > 0 }) batch.Cache.AddRange(_cache);
        if (_lineage is { Count: > 0 }) batch.Lineage.AddRange(_lineage);
        _cache?.Clear();
        _lineage?.Clear();
    }

    private Channel<Signal> Signals
    {
        get
        {
            var signals = Volatile.Read(ref _signals);
            if (signals is not null) return signals;
            signals = Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });
            return Interlocked.CompareExchange(ref _signals, signals, null) ?? signals;
        }
    }

    /// <summary>Hands the loop a signal, from any thread.</summary>
    private bool Post(Signal signal) => Signals.Writer.TryWrite(signal);

    private long Now() => _engine.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Uses a slot the pool granted this run while it waited, if any.</summary>
    private bool TakeGrantedSlot()
    {
        var granted = Volatile.Read(ref _grantedSlots);
        while (granted > 0)
        {
            var seen = Interlocked.CompareExchange(ref _grantedSlots, granted - 1, granted);
            if (seen == granted) return true;
            granted = seen;
        }

        return false;
    }

    private void ReleaseGrantedSlots()
    {
        while (TakeGrantedSlot()) _engine.Slots.Release();
    }

    /// <summary>A step's log (stored) and progress reports (forwarded as events, not persisted).</summary>
    private sealed class StepSink(RunCoordinator coordinator, StepExecution execution) : IProgress<ProgressUpdate>
    {
        public void Log(string line) => coordinator.Log(execution, line);

        public void Report(ProgressUpdate value) =>
            coordinator._engine.Events.Publish(new StepProgressed(coordinator._state.Id, coordinator._engine.Time.GetUtcNow(), execution.Id,
                value.Fraction, value.Message, value.Metrics));
    }
}
