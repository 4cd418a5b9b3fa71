using System.Collections.Concurrent;
using Pipelines.Activities;
using Pipelines.Artifacts;
using Pipelines.Checkpoints;
using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// The commit-then-announce path of one run: gathers what changed (the state's rows, log lines, cache entries,
/// lineage), hands it to the run's <see cref="IRunJournal"/> without waiting, and publishes the live events and
/// deletes the checkpoints that depend on it only once it is durable, in the order of the commits. A step's new
/// status is announced in the order changes happen (so a step that ran inside one pass is still seen running, then
/// succeeded), each after the commit that stored it.
/// </summary>
internal sealed class RunCommitter
{
    private readonly RunState _state;
    private readonly IRunJournal _journal;
    private readonly RunEvents _events;
    private readonly CheckpointStore _checkpoints;
    private readonly TimeProvider _time;
    private readonly string _owner;
    private readonly TimeSpan _lease;
    private readonly bool _onlyHere;
    private ConcurrentQueue<LogRow>? _logs; // made at the first log line: most steps never log
    // Made at first use, like the collections below: most runs never need them.
    private List<CacheRow>? _cache;
    private List<LineageRow>? _lineage;
    private List<string>? _finishedCheckpoints; // succeeded steps of a run with a checkpoint folder
    private List<RunEvent>? _announced; // published once the changes behind them are committed
    private RunStatus _publishedRunStatus;
    private StepExecution? _onLoop; // the inline step whose synchronous part runs on the loop now, and the loop's thread
    private int _onLoopThread;
    private long _logSeq;
    private Task _committed = Task.CompletedTask;
    private Task _publishedTail = Task.CompletedTask;

    /// <param name="owner">This runtime, written as the run's owner with a lease of <paramref name="lease"/> from each hand-over.</param>
    /// <param name="onlyHere">The run was created by this process and never executed elsewhere (its checkpoint folder, if any, was made here).</param>
    public RunCommitter(RunState state, IRunJournal journal, RunEvents events, CheckpointStore checkpoints, TimeProvider time, string owner, TimeSpan lease,
        bool onlyHere)
    {
        _state = state;
        _journal = journal;
        _events = events;
        _checkpoints = checkpoints;
        _time = time;
        _owner = owner;
        _lease = lease;
        _onlyHere = onlyHere;
        _publishedRunStatus = state.Status;
        _logSeq = time.GetUtcNow().ToUnixTimeMilliseconds() << 10;
        foreach (var execution in state.All) execution.Announced = execution.Status;
        state.Changed = execution => Announce(execution, ready: false);
    }

    /// <summary>The last hand-over's commit: an attempt that holds a slot starts once its claim, handed over before it, is durable.</summary>
    public Task Committed => _committed;

    /// <summary>Marks the inline step whose synchronous part runs on the loop's thread now (null: none), so its log lines are announced in order.</summary>
    public void RunningOnLoop(StepExecution? execution) => (_onLoop, _onLoopThread) = (execution, Environment.CurrentManagedThreadId);

    /// <summary>A step's log line: stored with the next hand-over, published live (or, when written on the loop, in order with the statuses).</summary>
    /// <param name="onLoop">Written by the coordinator itself, on its loop (not by an activity).</param>
    /// <param name="publish">False for a line already published live as it was relayed from a worker (<see cref="Relay"/>).</param>
    public void Log(StepExecution execution, string line, bool onLoop = false, bool publish = true)
    {
        line = _state.Mask.Apply(line);
        var at = _time.GetUtcNow();
        LazyInitializer.EnsureInitialized(ref _logs).Enqueue(new LogRow(_state.Id, execution.Id, Interlocked.Increment(ref _logSeq), at.ToUnixTimeMilliseconds(), line));
        if (!publish) return;
        var logged = new StepLogged(_state.Id, at, execution.Id, line);
        if (onLoop || execution == _onLoop && Environment.CurrentManagedThreadId == _onLoopThread)
        {
            // Logged on this loop (by the coordinator, or by an inline step): announced in order with the statuses,
            // after the step is announced running.
            if (_events.HasSubscribers) (_announced ??= []).Add(logged);
        }
        else
        {
            _events.Publish(logged); // live, as the step runs
        }
    }

    /// <summary>A line a worker elsewhere logged, published as it runs; it is stored with the attempt's outcome.</summary>
    public void Relay(StepExecution execution, string line) => _events.Publish(new StepLogged(_state.Id, _time.GetUtcNow(), execution.Id, line));

    /// <summary>A line the coordinator writes on its loop (a transition explaining itself).</summary>
    public void LogOnLoop(StepExecution execution, string line) => Log(execution, line, onLoop: true);

    /// <summary>A step's progress report: published live, never stored.</summary>
    public void Progress(StepExecution execution, ProgressUpdate value) =>
        _events.Publish(new StepProgressed(_state.Id, _time.GetUtcNow(), execution.Id, value.Fraction, value.Message, value.Metrics));

    /// <summary>What a succeeded step adds to the store besides its row: its cache entry, its lineage, and its checkpoints to delete.</summary>
    public void Succeeded(StepExecution execution, StepResult result, long now)
    {
        if (!result.Cached && result.CacheKey is not null)
        {
            (_cache ??= []).Add(new CacheRow(result.CacheKey, result.Outputs!.ToJsonString(), _state.Id, execution.Id, now));
        }

        // A run with no checkpoint folder now has none for this finished step either: nothing to delete later.
        if (!_onlyHere || _checkpoints.HasRun(_state.Id, onlyHere: true)) (_finishedCheckpoints ??= []).Add(execution.Id);
        foreach (var used in ArtifactReference.FindIn(execution.Inputs)) (_lineage ??= []).Add(new LineageRow(used.Digest, _state.Id, execution.Id, Produced: false));
        foreach (var made in ArtifactReference.FindIn(execution.Outputs)) (_lineage ??= []).Add(new LineageRow(made.Digest, _state.Id, execution.Id, Produced: true));
    }

    /// <summary>
    /// Hands everything that changed to the journal without waiting for the commit; events and checkpoint clean-up
    /// follow once it is durable, in the order of the commits.
    /// </summary>
    public void Flush(long now)
    {
        var changes = new RunChanges();
        var changed = _state.TakeChanges(changes, _owner, now + (long)_lease.TotalMilliseconds, now);
        TakeRecords(changes);
        if (changes.IsEmpty) return;

        // A step still ready here waits for a slot: worth announcing. One claimed in the same pass is announced as running.
        foreach (var execution in changed)
        {
            if (execution.Status == StepStatus.Ready) Announce(execution, ready: true);
        }

        AnnounceRun();
        var events = _announced;
        _announced = null;

        // Finished steps can no longer write checkpoints: with no folder for the run now, none has any to delete.
        List<string>? finishedSteps = null;
        if (_finishedCheckpoints is { Count: > 0 } && _checkpoints.HasRun(_state.Id, _onlyHere)) finishedSteps = [.. _finishedCheckpoints];
        _finishedCheckpoints?.Clear();
        var commit = _journal.CommitAsync(changes);
        _committed = commit;
        if (events is not null || finishedSteps is not null)
        {
            _publishedTail = AfterCommitAsync(_publishedTail, commit, events, finishedSteps);
        }
    }

    /// <summary>
    /// Queues a step's new status to be published after the commit that stores it. Always queued, even with nobody
    /// listening yet: a stream that subscribes before the commit reads its snapshot from the store without this
    /// change, and only the event can tell it (publishing drops events nobody listens to by then).
    /// </summary>
    private void Announce(StepExecution execution, bool ready)
    {
        if (execution.Announced == execution.Status || execution.Status == StepStatus.Ready && !ready) return;
        execution.Announced = execution.Status;
        (_announced ??= []).Add(new StepStatusChanged(_state.Id, _time.GetUtcNow(), execution.Id, execution.Status, execution.Attempts,
            execution.Cached, execution.Error, execution.Status == StepStatus.Succeeded ? execution.Outputs : null));
    }

    /// <summary>Queues the run's new status, when it changed, to be published after the commit that stores it.</summary>
    public void AnnounceRun()
    {
        if (_state.Status == _publishedRunStatus) return;
        _publishedRunStatus = _state.Status;
        RuntimeMetrics.RunReached(_state.Status);
        (_announced ??= []).Add(new RunStatusChanged(_state.Id, _time.GetUtcNow(), _state.Status, _state.Error));
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

        foreach (var e in events ?? []) _events.Publish(e);

        // A succeeded step never runs again, so its checkpoints can go — but only once that success is durable.
        foreach (var stepId in finishedSteps ?? []) await _checkpoints.DeleteAsync(_state.Id, stepId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Waits until everything handed over is durable and announced; a run that ended loses its checkpoints (nothing resumes it).</summary>
    public async Task EndAsync()
    {
        await _committed.ConfigureAwait(false);
        await _publishedTail.ConfigureAwait(false);
        if (_state.Status.IsTerminal() && _checkpoints.HasRun(_state.Id, _onlyHere))
        {
            await _checkpoints.DeleteRunAsync(_state.Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>On shutdown: commit what finished, leave the run running but ownerless so it resumes at once elsewhere.</summary>
    public async Task DetachAsync(long now)
    {
        var changes = new RunChanges();
        _state.RunDirty = true;
        _state.TakeChanges(changes, owner: null, leaseExpiresAt: null, now);
        TakeRecords(changes);
        await _committed.ConfigureAwait(false);
        await _journal.CommitAsync(changes).ConfigureAwait(false);
        await _publishedTail.ConfigureAwait(false);
    }

    /// <summary>Moves the log lines, cache entries and lineage gathered since the last hand-over into <paramref name="changes"/>.</summary>
    private void TakeRecords(RunChanges changes)
    {
        while (_logs is not null && _logs.TryDequeue(out var log)) changes.Logs.Add(log);
        if (_cache is { Count: > 0 }) changes.Cache.AddRange(_cache);
        if (_lineage is { Count: > 0 }) changes.Lineage.AddRange(_lineage);
        _cache?.Clear();
        _lineage?.Clear();
    }
}
