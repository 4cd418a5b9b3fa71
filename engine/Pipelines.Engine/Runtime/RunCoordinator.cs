using System.Text.Json.Nodes;
using System.Threading.Channels;
using Pipelines.Activities;
using Pipelines.Persistence;

namespace Pipelines.Runtime;

/// <summary>
/// The loop that drives one run in this process. Everything that changes the run's state happens on it, one signal at
/// a time: the <see cref="StepTransitions"/> settle what can be settled, ready steps are claimed into free slots, the
/// <see cref="RunCommitter"/> hands the changed rows to the store, and the <see cref="StepLauncher"/> starts the
/// claimed steps. Commits are pipelined: the loop does not wait for one before going on, but they are committed in
/// order, so the store always holds a prefix of the run's history — a step's outputs land with the transition that
/// completes it, never after a successor's. The run's end is reported only once everything is durable.
/// </summary>
internal sealed class RunCoordinator
{
    private const int FlushEveryInline = 128;

    private readonly RunState _state;
    private readonly StepTransitions _steps;
    private readonly RunCommitter _committer;
    private readonly StepLauncher _launcher;
    private readonly TimeProvider _time;
    private readonly string _owner;
    private readonly bool _onlyHere;
    private readonly int? _deadLetter;
    private Channel<Signal>? _signals; // made at the first signal: a run that finishes in one pass never needs one
    private bool _cancelling;
    private string? _cancelReason;
    private bool _detaching;
    private bool _lost;
    private ITimer? _retryTimer;
    private long _retryTimerDue = long.MaxValue;
    private ITimer? _deadline;
    private long _readyReported;

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
    private sealed record ResumeSignal(string StepId, string Bookmark, JsonNode? Payload, TaskCompletionSource<bool> Done) : Signal;

    /// <param name="owner">This runtime: what a claim records as the step's owner.</param>
    /// <param name="onlyHere">The run was created by this process and never executed elsewhere (nothing to recover).</param>
    /// <param name="deadLetter">How many take-overs in a row found the previous owner dead with nothing finished since
    /// the last, when that reached <see cref="RuntimeOptions.MaxLostAttempts"/>: what was running is failed, not retried.</param>
    public RunCoordinator(RunState state, RunCommitter committer, StepServices services, string owner, bool onlyHere,
        int? deadLetter = null)
    {
        _state = state;
        _committer = committer;
        _time = services.Time;
        _owner = owner;
        _onlyHere = onlyHere;
        _deadLetter = deadLetter;
        _steps = new StepTransitions(state) { Logged = committer.LogOnLoop };
        _launcher = new StepLauncher(state, committer, services, PostCompleted);
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
    public Task<bool> ResumeAsync(string stepId, string bookmark, JsonNode? payload)
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
        if (!_onlyHere) _steps.Recover(now, _deadLetter); // a run created here and never executed has nothing to recover
        if (_state.Status is RunStatus.Pending or RunStatus.Waiting)
        {
            _state.Status = RunStatus.Running;
        }

        _state.RunDirty = true;
        _committer.AnnounceRun();
        while (Volatile.Read(ref _signals) is { } early && early.Reader.TryRead(out var signal)) Apply(signal); // e.g. a cancel requested before we started
        if (_state.Row.TimeoutMs is { } timeoutMs)
        {
            var due = (_state.Row.StartedAt ?? now) + timeoutMs - now;
            _deadline = _time.CreateTimer(_ => Cancel($"the run timed out after {Definitions.Duration.Format(TimeSpan.FromMilliseconds(timeoutMs))}"),
                null, TimeSpan.FromMilliseconds(Math.Max(0, due)), Timeout.InfiniteTimeSpan);
        }

        try
        {
            while (true)
            {
                if (_committer.Committed.IsFaulted) await _committer.Committed; // a failed commit stops the run here; it resumes from the store
                if (_lost) throw new RunTakenOverException(_state.Id);
                now = Now();
                var toStart = new List<(StepExecution Execution, ActivityDescriptor Activity)>();
                var blocked = false;
                if (!_cancelling && !_detaching)
                {
                    blocked = ClaimReady(now, toStart);
                }
                else if (_cancelling)
                {
                    _steps.CancelIdle(now, _cancelReason);
                }

                RuntimeMetrics.ReadySteps(ref _readyReported, blocked ? _state.All.LongCount(e => e.Status == StepStatus.Ready) : 0);
                var idle = !_detaching && _launcher.Executing == 0 && toStart.Count == 0;
                var finished = idle && _steps.TryEnd(now, _cancelling, _cancelReason);
                if (_detaching && _launcher.Executing == 0)
                {
                    await _committer.DetachAsync(now);
                    return _state.Status;
                }

                _committer.Flush(now);
                if (finished)
                {
                    await _committer.EndAsync();
                    return _state.Status;
                }

                foreach (var (execution, activity) in toStart)
                {
                    if (_launcher.Start(execution, activity, holdsSlot: true) is { } result) Complete(execution, result, now);
                }

                if (blocked) _launcher.RequestSlot(() => Post(new Wake()));
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
            _launcher.Close();
            RuntimeMetrics.ReadySteps(ref _readyReported, 0);
            _retryTimer?.Dispose();
            _deadline?.Dispose();
        }
    }

    /// <summary>
    /// Settles and claims what is ready: inline steps run inside this pass, and what they unblock is settled and claimed
    /// in it too; steps that need a slot are collected in <paramref name="toStart"/> (started after the claims are
    /// handed over). True when a ready step waits for a slot.
    /// </summary>
    private bool ClaimReady(long now, List<(StepExecution Execution, ActivityDescriptor Activity)> toStart)
    {
        _steps.ReadyRetries(now);
        var blocked = false;
        bool ranInline;
        var inlineInPass = 0;
        do
        {
            ranInline = false;
            _steps.Advance(now);
            while (!_cancelling && _steps.TryPeekReady(out var execution))
            {
                var activity = _state.Plan.ActivityOf(execution.Definition);
                if (!activity.Inline && !_launcher.TryTakeSlot())
                {
                    blocked = true;
                    break;
                }

                _steps.TryTakeReady(out _);
                _steps.Claim(execution, _owner, now);
                if (activity.Inline)
                {
                    if (_launcher.Start(execution, activity, holdsSlot: false) is { } result) Complete(execution, result, now);
                    ranInline = true;
                    // A long pass hands what it has to the store as it goes, so the rows are written while the pass
                    // continues instead of all after it.
                    if (++inlineInPass % FlushEveryInline == 0) _committer.Flush(now);
                }
                else
                {
                    toStart.Add((execution, activity));
                }
            }
        }
        while (ranInline && !blocked);
        return blocked;
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
                _launcher.StopAttempts();
                break;
            case DetachSignal:
                _detaching = true;
                _launcher.StopAttempts();
                break;
            case LostSignal:
                _lost = true;
                _launcher.StopAttempts();
                break;
            case ResumeSignal resume:
                resume.Done.TrySetResult(_steps.Resume(resume.StepId, resume.Bookmark, resume.Payload));
                break;
        }
    }

    /// <summary>An attempt's result: its slot goes back, the step takes its next status, and a success adds its records.</summary>
    private void Complete(StepExecution execution, StepResult result, long now)
    {
        _launcher.Ended(execution, result, _detaching);
        if (_steps.Complete(execution, result, now, _detaching, _cancelling, _cancelReason) == StepStatus.Succeeded)
        {
            _committer.Succeeded(execution, result, now);
        }
    }

    private void ScheduleRetryTimer(long now)
    {
        if (_steps.NextRetryAt(now) is not { } next) return;
        if (next == long.MaxValue || next >= _retryTimerDue && _retryTimer is not null) return;
        _retryTimer?.Dispose();
        _retryTimerDue = next;
        _retryTimer = _time.CreateTimer(_ =>
        {
            _retryTimerDue = long.MaxValue;
            Post(new Wake());
        }, null, TimeSpan.FromMilliseconds(Math.Max(0, next - now)), Timeout.InfiniteTimeSpan);
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

    private void PostCompleted(StepExecution execution, StepResult result) => Post(new Completed(execution, result));

    /// <summary>Hands the loop a signal, from any thread.</summary>
    private bool Post(Signal signal) => Signals.Writer.TryWrite(signal);

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
