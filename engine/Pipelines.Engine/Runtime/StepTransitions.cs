using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Expressions;
using Pipelines.Json;

namespace Pipelines.Runtime;

/// <summary>
/// Every rule of a step execution's life, in one place: claimed, an attempt's result applied (succeeded, failed for
/// good or retrying after its backoff, suspended on a bookmark, cancelled, put back after a detach), a bookmark
/// resumed, retries coming due, pending steps settled once their upstream has finished (ready, skipped by
/// <c>when</c> or by a broken upstream, a matrix fanned out), matrices completed with <c>select</c>, what is left
/// cancelled, crashes recovered, and how the run ends.
/// </summary>
/// <remarks>
/// A model without I/O, store or clock: each call changes executions of the <see cref="RunState"/> (marking them
/// changed there, so <see cref="RunState.TakeChanges"/> returns what a call changed) and returns the new status where
/// a caller acts on it. The coordinator turns what changed into store writes, live events and started activities.
/// Work lists keep each transition O(degree) instead of a scan of the whole run: the steps to settle, the matrices to
/// check, the ready queue and the steps waiting on a retry.
/// </remarks>
internal sealed class StepTransitions
{
    private readonly RunState _state;
    private readonly HashSet<StepExecution> _candidates = [];
    private readonly List<StepExecution> _settling = [];
    private HashSet<StepExecution>? _matrixChecks; // made at the first matrix step
    private readonly Queue<StepExecution> _ready = new();
    private HashSet<StepExecution>? _retrying; // made at the first retry
    private int _open;

    /// <summary>The work lists are built from the statuses <paramref name="state"/> holds (fresh, or loaded from the store).</summary>
    public StepTransitions(RunState state)
    {
        _state = state;
        foreach (var step in state.TopLevel)
        {
            if (!step.Status.IsTerminal()) _open++;
            if (step.Status == StepStatus.Pending) _candidates.Add(step);
            if (step is { Status: StepStatus.Running, Children: not null }) (_matrixChecks ??= []).Add(step);
        }

        foreach (var execution in state.All)
        {
            if (execution.Status == StepStatus.Ready) _ready.Enqueue(execution);
            if (execution.Status == StepStatus.Retrying) (_retrying ??= []).Add(execution);
        }
    }

    public RunState State => _state;

    /// <summary>A line for the step's log, written when a transition explains itself (waiting on a bookmark, retrying).</summary>
    public Action<StepExecution, string>? Logged { get; set; }

    /// <summary>True when every top-level step has finished.</summary>
    public bool AllFinished => _open == 0;

    // ---- the ready queue ----

    /// <summary>Marks an execution ready to be claimed.</summary>
    public void MakeReady(StepExecution execution)
    {
        execution.Status = StepStatus.Ready;
        _state.MarkDirty(execution);
        _ready.Enqueue(execution);
    }

    /// <summary>The next execution waiting to be claimed, in the order they became ready.</summary>
    public bool TryTakeReady(out StepExecution execution)
    {
        while (_ready.TryDequeue(out execution!))
        {
            if (execution.Status == StepStatus.Ready) return true;
        }

        return false;
    }

    /// <summary>The execution that would be claimed next, left in place (for when no slot may be free).</summary>
    public bool TryPeekReady(out StepExecution execution)
    {
        while (_ready.TryPeek(out execution!))
        {
            if (execution.Status == StepStatus.Ready) return true;
            _ready.Dequeue();
        }

        return false;
    }

    // ---- one attempt ----

    /// <summary>Ready → running: attempt n+1 by <paramref name="owner"/>.</summary>
    public void Claim(StepExecution execution, string owner, long now)
    {
        execution.Status = StepStatus.Running;
        execution.Attempts++;
        execution.StartedAt ??= now;
        execution.FinishedAt = null;
        execution.NextAttemptAt = null;
        execution.Error = null;
        execution.LeaseOwner = owner;
        _state.MarkDirty(execution);
    }

    /// <summary>
    /// Applies how an attempt ended and returns what the step became: <see cref="StepStatus.Waiting"/> (suspended on a
    /// bookmark, not a failure), <see cref="StepStatus.Ready"/> (interrupted by a detach: the next owner runs it again),
    /// succeeded, cancelled, <see cref="StepStatus.Retrying"/> (a retryable failure within <c>retry.max</c>, due after
    /// <see cref="RetryDelay"/>) or failed.
    /// </summary>
    /// <param name="detaching">The process is letting the run go (shutdown, Ctrl+C).</param>
    /// <param name="cancelReason">The run is being cancelled (null when it is not): no retry, and the reason a cancelled step gets.</param>
    public StepStatus Complete(StepExecution execution, StepResult result, long now, bool detaching, bool cancelling, string? cancelReason)
    {
        execution.Attempts += result.LostAttempts; // workers that died holding it: attempts, not failures (as after a crash)
        if (result.Bookmark is { } bookmark)
        {
            // Waiting for people or the outside world: not an attempt that failed, not a slot held.
            execution.Status = StepStatus.Waiting;
            execution.Bookmark = bookmark;
            execution.LeaseOwner = null;
            _state.MarkDirty(execution);
            Logged?.Invoke(execution, $"waiting on {bookmark}");
            return StepStatus.Waiting;
        }

        if (detaching && !result.Succeeded)
        {
            // Interrupted by shutdown: not an attempt that failed; the next owner runs it again.
            Requeue(execution);
            return StepStatus.Ready;
        }

        if (result.Succeeded)
        {
            execution.Outputs = result.Outputs;
            execution.Cached = result.Cached;
            Finish(execution, StepStatus.Succeeded, now, null);
            return StepStatus.Succeeded;
        }

        if (result.Cancelled)
        {
            Finish(execution, StepStatus.Cancelled, now, cancelReason ?? "cancelled");
            return StepStatus.Cancelled;
        }

        execution.Failures++;
        var retry = execution.Definition.Retry;
        if (result.Retryable && execution.Failures <= retry.Max && !cancelling)
        {
            var wait = RetryDelay(retry, execution.Failures);
            execution.Status = StepStatus.Retrying;
            execution.Error = result.Error;
            execution.NextAttemptAt = now + (long)wait.TotalMilliseconds;
            execution.LeaseOwner = null;
            Logged?.Invoke(execution, $"attempt {execution.Attempts} failed: {result.Error}; retrying in {Duration.Format(wait)}");
            _state.MarkDirty(execution);
            (_retrying ??= []).Add(execution);
            return StepStatus.Retrying;
        }

        Finish(execution, StepStatus.Failed, now, result.Error);
        return StepStatus.Failed;
    }

    /// <summary>Attempt n+1 waits <c>backoff × factor^(n−1)</c> after failure n.</summary>
    public static TimeSpan RetryDelay(RetryPolicy retry, int failures) => retry.Backoff * Math.Pow(retry.Factor, failures - 1);

    /// <summary>An attempt that did not fail but will not finish here (detached, or lost with its process): ready again, unowned.</summary>
    public void Requeue(StepExecution execution)
    {
        execution.LeaseOwner = null;
        MakeReady(execution);
    }

    /// <summary>Waiting on <paramref name="bookmark"/> → ready, with the payload for its next attempt; false when the step does not wait on it.</summary>
    public bool Resume(string stepId, string bookmark, JsonNode? payload)
    {
        var waiting = _state.All.FirstOrDefault(e => e.Id == stepId && e.Status == StepStatus.Waiting && e.Bookmark == bookmark);
        if (waiting is null) return false;
        waiting.Resume = payload?.DeepClone();
        waiting.Bookmark = null;
        MakeReady(waiting);
        return true;
    }

    // ---- retries ----

    /// <summary>Retrying steps whose backoff has passed become ready.</summary>
    public void ReadyRetries(long now)
    {
        if (_retrying is not { Count: > 0 }) return;
        foreach (var execution in _retrying.Where(e => e.NextAttemptAt <= now).ToList())
        {
            _retrying.Remove(execution);
            if (execution.Status == StepStatus.Retrying) MakeReady(execution);
        }
    }

    /// <summary>When the next retry is due, if any step waits on one.</summary>
    public long? NextRetryAt(long now) => _retrying is { Count: > 0 } ? _retrying.Select(e => e.NextAttemptAt ?? now).Min() : null;

    // ---- the graph ----

    /// <summary>
    /// Settles every step that can be settled without running anything: pending steps whose upstream has finished
    /// become ready, skipped (when false, upstream skipped or failed) or fanned out; finished matrices complete.
    /// Repeats until nothing changes, so skips propagate down the graph in one call.
    /// </summary>
    public void Advance(long now)
    {
        while (_candidates.Count > 0 || _matrixChecks is { Count: > 0 })
        {
            if (_matrixChecks is { Count: > 0 })
            {
                _settling.Clear();
                _settling.AddRange(_matrixChecks);
                _matrixChecks?.Clear();
                foreach (var parent in _settling)
                {
                    if (parent is { Status: StepStatus.Running, Children: { } children } && children.TrueForAll(c => c.Status.IsTerminal()))
                    {
                        CompleteMatrix(parent, children, now);
                    }
                }
            }

            _settling.Clear();
            _settling.AddRange(_candidates);
            _candidates.Clear();
            foreach (var step in _settling)
            {
                if (step.Status == StepStatus.Pending) Settle(step, now);
            }
        }
    }

    /// <summary>
    /// The failed or cancelled step that <paramref name="skipped"/> was skipped because of, through any chain of steps
    /// skipped for it; null when it was skipped by a condition (<c>when</c> false, or every upstream skipped so). A step
    /// after a failed gate must not run because a sibling of the gate succeeded: a skip for a failure propagates as one,
    /// while a skip by a condition leaves its downstream free to run on its other inputs.
    /// </summary>
    private StepExecution? BrokenBehind(StepExecution skipped)
    {
        foreach (var id in skipped.Definition.Upstream)
        {
            var before = _state[id];
            if (before.Status is StepStatus.Failed or StepStatus.Cancelled) return before;
            if (before.Status == StepStatus.Skipped && BrokenBehind(before) is { } root) return root;
        }

        return null;
    }

    private void Settle(StepExecution step, long now)
    {
        var upstream = step.Definition.Upstream;
        StepExecution? broken = null;
        var skipped = 0;
        for (var i = 0; i < upstream.Count; i++)
        {
            var before = _state[upstream[i]];
            if (!before.Status.IsTerminal()) return;
            if (before.Status is StepStatus.Failed or StepStatus.Cancelled) broken ??= before;
            else if (before.Status == StepStatus.Skipped)
            {
                skipped++;
                broken ??= BrokenBehind(before);
            }
        }

        if (broken is not null)
        {
            Finish(step, StepStatus.Skipped, now, $"upstream step '{broken.Id}' {broken.Status.Name()}");
            return;
        }

        if (upstream.Count > 0 && skipped == upstream.Count)
        {
            Finish(step, StepStatus.Skipped, now, "every upstream step was skipped");
            return;
        }

        if (step.Definition.When is { } when)
        {
            bool proceed;
            try
            {
                proceed = Truthy(when.Render(_state.SandboxFor(step)));
            }
            catch (ExpressionException e)
            {
                Finish(step, StepStatus.Failed, now, $"when: {e.Reason}");
                return;
            }

            if (!proceed)
            {
                Finish(step, StepStatus.Skipped, now, "when was false");
                return;
            }
        }

        if (step.Definition.Matrix is { } axes)
        {
            Expand(step, axes, now);
            return;
        }

        MakeReady(step);
    }

    /// <summary>A matrix step fans out: running, with one ready child per combination (none: it completes at once).</summary>
    private void Expand(StepExecution step, IReadOnlyList<KeyValuePair<string, ValueTemplate>> axes, long now)
    {
        List<JsonObject> combinations;
        try
        {
            combinations = MatrixCombinations.Expand(axes, _state.SandboxFor(step));
        }
        catch (Exception e) when (e is ExpressionException or MatrixException)
        {
            Finish(step, StepStatus.Failed, now, $"matrix: {(e as ExpressionException)?.Reason ?? e.Message}");
            return;
        }

        step.Status = StepStatus.Running;
        step.StartedAt = now;
        step.Children = [];
        _state.MarkDirty(step);
        for (var i = 0; i < combinations.Count; i++)
        {
            var child = new StepExecution($"{step.Id}[{i}]", step.Definition) { Parent = step, Matrix = combinations[i] };
            step.Children.Add(child);
            _state.AddChild(child);
            MakeReady(child);
        }

        if (combinations.Count == 0)
        {
            CompleteMatrix(step, step.Children, now);
        }
    }

    /// <summary>Every combination finished: the matrix step succeeds with <c>outputs.all</c> and <c>outputs.best</c>, or fails as its worst child.</summary>
    private void CompleteMatrix(StepExecution step, List<StepExecution> children, long now)
    {
        if (children.FirstOrDefault(c => c.Status != StepStatus.Succeeded) is { } bad)
        {
            var status = children.Any(c => c.Status == StepStatus.Failed) ? StepStatus.Failed : bad.Status;
            Finish(step, status, now, $"{bad.Id} {bad.Status.Name()}{(bad.Error is null ? "" : ": " + bad.Error)}");
            return;
        }

        var all = new JsonArray(children.Select(c => (JsonNode)WithMatrix(c)).ToArray());
        JsonNode? best = null;
        if (step.Definition.Select is { } select)
        {
            try
            {
                best = MatrixCombinations.Select(select, children.Select(WithMatrix).ToList(), item => _state.SandboxFor(step, item));
            }
            catch (Exception e) when (e is ExpressionException or MatrixException)
            {
                Finish(step, StepStatus.Failed, now, $"select: {(e as ExpressionException)?.Reason ?? e.Message}");
                return;
            }
        }

        // Outputs never carry secrets (StepRunner masks an activity's): here a matrix value may be one.
        step.Outputs = _state.Mask.Apply(new JsonObject { ["all"] = all, ["best"] = best?.DeepClone() });
        step.Cached = children.Count > 0 && children.All(c => c.Cached);
        step.Attempts = children.Count == 0 ? 0 : children.Max(c => c.Attempts);
        Finish(step, StepStatus.Succeeded, now, null);
    }

    private static JsonObject WithMatrix(StepExecution child)
    {
        var outputs = child.Outputs?.DeepClone().AsObject() ?? [];
        if (!outputs.ContainsKey("matrix")) outputs["matrix"] = child.Matrix?.DeepClone();
        return outputs;
    }

    /// <summary>
    /// Ends an execution with <paramref name="status"/>; its downstream steps (or, for a matrix child, its matrix) are
    /// settled at the next <see cref="Advance"/>.
    /// </summary>
    public void Finish(StepExecution execution, StepStatus status, long now, string? error)
    {
        if (!execution.Status.IsTerminal())
        {
            if (execution.Parent is { } parent)
            {
                (_matrixChecks ??= []).Add(parent);
            }
            else
            {
                _open--;
                foreach (var next in execution.Definition.Downstream) _candidates.Add(_state[next]);
            }
        }

        execution.Status = status;
        execution.FinishedAt = now;
        execution.Error = error;
        execution.LeaseOwner = null;
        execution.NextAttemptAt = null;
        _state.MarkDirty(execution);
    }

    // ---- the run as a whole ----

    /// <summary>
    /// A run taken over from a previous owner: executions caught mid-attempt go back to ready (the lost attempt stays
    /// counted in their attempts) — unless the run's owners keep dying with nothing finishing in between
    /// (<paramref name="deadLetter"/>, the deaths in a row): then, as a queue's dead letter, what was running is failed
    /// instead of crashing the next process too (everything not yet finished, when the death came between steps, in
    /// the runtime itself).
    /// </summary>
    public void Recover(long now, int? deadLetter)
    {
        var running = _state.All.Where(e => e is { Status: StepStatus.Running, Children: null }).ToList();
        if (deadLetter is { } deaths)
        {
            var caught = running.Count > 0 ? running : _state.All.Where(e => e is { Status: StepStatus.Ready or StepStatus.Pending or StepStatus.Retrying, Children: null }).ToList();
            var reason = running.Count > 0
                ? $"the process running this step died {deaths} times in a row (killed, out of memory or crashed) with nothing finishing in between; failed as a dead letter rather than tried again — fix the cause, then start a new run"
                : $"the process executing this run died {deaths} times in a row with no step running or finishing; failed as a dead letter rather than resumed again — fix the cause, then start a new run";
            foreach (var execution in caught) Finish(execution, StepStatus.Failed, now, reason);
            running.Clear();
        }

        foreach (var execution in running)
        {
            execution.Recovered = true;
            Requeue(execution);
        }
    }

    /// <summary>A cancelled run: every execution not finished and not executing now is cancelled (children first, so a matrix whose last children go here goes too).</summary>
    public void CancelIdle(long now, string? reason)
    {
        foreach (var execution in _state.All.Where(e => !e.Status.IsTerminal() && !e.Executing).OrderBy(e => e.Children is null ? 0 : 1).ToList())
        {
            if (execution.Children is { } children && children.Any(c => !c.Status.IsTerminal())) continue;
            Finish(execution, StepStatus.Cancelled, now, reason ?? "cancelled");
            _retrying?.Remove(execution);
        }
    }

    /// <summary>
    /// When nothing executes: true when the run has ended — finished (its status set), waiting on bookmarks only
    /// (stored without an owner; resuming a bookmark makes it runnable again, in any process), or stuck (nothing
    /// ready or retrying, yet not finished: what is left fails rather than hang).
    /// </summary>
    public bool TryEnd(long now, bool cancelling, string? cancelReason) =>
        TryComplete(cancelling && cancelReason is null, cancelReason) || WaitingOnly(cancelling) || Stuck(now, cancelling, cancelReason);

    /// <summary>True when every top-level step has finished; sets the run's final status.</summary>
    private bool TryComplete(bool cancelled, string? cancelReason)
    {
        if (!AllFinished)
        {
            return false;
        }

        var failed = _state.TopLevel.Find(s => s.Status == StepStatus.Failed);
        (_state.Status, _state.Error) = cancelReason is not null ? (RunStatus.Failed, cancelReason)
            : cancelled ? (RunStatus.Cancelled, "cancelled")
            : failed is not null ? (RunStatus.Failed, $"step '{failed.Id}' failed: {failed.Error}")
            : (RunStatus.Succeeded, null);
        _state.RunDirty = true;
        return true;
    }

    private bool WaitingOnly(bool cancelling)
    {
        if (cancelling || _state.All.Any(e => e.Status is StepStatus.Ready or StepStatus.Retrying)) return false;
        if (!_state.All.Any(e => e.Status == StepStatus.Waiting)) return false;
        _state.Status = RunStatus.Waiting;
        _state.RunDirty = true;
        return true;
    }

    private bool Stuck(long now, bool cancelling, string? cancelReason)
    {
        if (_state.All.Any(e => e.Status is StepStatus.Retrying or StepStatus.Ready)) return false;
        foreach (var execution in _state.All.Where(e => !e.Status.IsTerminal()).ToList())
        {
            Finish(execution, StepStatus.Failed, now, "could not be scheduled (its upstream never finished)");
        }

        Advance(now);
        return TryComplete(cancelling && cancelReason is null, cancelReason);
    }

    /// <summary>JavaScript truthiness of a JSON value.</summary>
    public static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when JsonNumbers.IsNumber(v) => JsonNumbers.AsDouble(v) is not (0 or double.NaN),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length > 0,
        _ => true,
    };
}
