using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Artifacts;
using Pipelines.Checkpoints;
using Pipelines.Expressions;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>What an attempt of a step needs from the process: made once by <see cref="RunEngine"/>, shared by every run.</summary>
internal sealed record StepServices(
    SlotPool Slots,
    IRunStore Runs,
    IModelRegistry Registry,
    FileRoots? FileRoots,
    ArtifactStore Artifacts,
    CheckpointStore Checkpoints,
    string DataDirectory,
    IServiceProvider Services,
    TimeProvider Time)
{
    /// <summary>On the shared store: where attempts that need a slot go, to be run by whichever worker claims them.</summary>
    public StepDispatcher? Dispatcher { get; init; }

    /// <summary>This process, as activities see it (<see cref="ActivityContext.Worker"/>).</summary>
    public string? Worker { get; init; }

    /// <summary>What an attempt sees of this process, its log lines going to <paramref name="log"/> and its reports to <paramref name="progress"/>.</summary>
    public ActivityContext ContextFor(string runId, string stepId, int attempt, Action<string> log, IProgress<ProgressUpdate> progress,
        JsonNode? resumption) => new()
    {
        RunId = runId,
        StepId = stepId,
        Attempt = attempt,
        Time = Time,
        Worker = Worker,
        Log = log,
        Progress = progress,
        Artifacts = Artifacts,
        DataDirectory = DataDirectory,
        Checkpoints = Checkpoints.ForStep(runId, stepId),
        Resumption = resumption,
        Services = Services,
    };
}

/// <summary>
/// Starts the attempts of one run's claimed steps: takes execution slots (a step that finds none waits for the next
/// one released), renders the step's inputs, resolves registry references, checks local paths against the file roots,
/// computes the cache key, and calls the activity — on the thread pool once its claim is durable when it holds a slot,
/// on the run's loop when it is inline. Results come back through the callback the coordinator gives it, or, for an
/// inline attempt that finished at once, as <see cref="Start"/>'s return value.
/// </summary>
internal sealed class StepLauncher
{
    private readonly RunState _state;
    private readonly RunCommitter _committer;
    private readonly StepServices _services;
    private readonly Action<StepExecution, StepResult> _completed;
    private readonly CancellationTokenSource _stop = new();
    private int _waitingForSlot;
    private int _grantedSlots;
    private int _closed;

    /// <param name="completed">Hands a result to the run's loop, from any thread.</param>
    public StepLauncher(RunState state, RunCommitter committer, StepServices services, Action<StepExecution, StepResult> completed)
    {
        _state = state;
        _committer = committer;
        _services = services;
        _completed = completed;
    }

    /// <summary>Attempts executing now (started, their result not yet applied).</summary>
    public int Executing { get; private set; }

    // ---- slots ----

    /// <summary>A slot for a step that needs one: one granted while the run waited, or a free one.</summary>
    public bool TryTakeSlot() => TakeGrantedSlot() || _services.Slots.TryAcquire();

    /// <summary>Asks for the next slot released (once while one is asked for); <paramref name="wake"/> is called when it is granted.</summary>
    public void RequestSlot(Action wake)
    {
        if (Interlocked.Exchange(ref _waitingForSlot, 1) != 0) return;
        _services.Slots.Request(() =>
        {
            Interlocked.Increment(ref _grantedSlots);
            Volatile.Write(ref _waitingForSlot, 0);
            if (Volatile.Read(ref _closed) == 1) ReleaseGrantedSlots(); // granted after we finished: pass it on
            else wake();
        });
    }

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
        while (TakeGrantedSlot()) _services.Slots.Release();
    }

    // ---- attempts ----

    /// <summary>
    /// Starts an attempt of a claimed step: on the thread pool when it holds a slot; on the loop when it is inline,
    /// where a result that is ready at once is returned for the loop to apply at once (null otherwise).
    /// </summary>
    public StepResult? Start(StepExecution execution, ActivityDescriptor activity, bool holdsSlot)
    {
        var definition = execution.Definition;
        execution.Telemetry = RuntimeMetrics.StartStep(_state.Id, execution.Id, activity.Uses, execution.Attempts);
        execution.Executing = true;
        execution.HoldsSlot = holdsSlot;
        Executing++;
        JsonObject inputs;
        string? problem;
        IReadOnlyList<string> resolved = [];
        try
        {
            inputs = RenderInputs(execution);
            execution.Inputs = inputs; // masked when stored
            resolved = RegistryInputs.Resolve(activity, inputs, _services.Registry);
            // Before the cache key, which would look at the files: a path outside the roots is not even fingerprinted.
            problem = FileRoots.Check(activity, inputs, _services.FileRoots);
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
            // Applied like any completion (which releases the slot): through the loop's signals, or at once when inline.
            var failure = StepResult.Failure(problem, retryable: false);
            if (!holdsSlot) return failure;
            _completed(execution, failure);
            return null;
        }

        // A --no-cache run skips the lookup but still stores its results for later runs.
        var cacheKey = definition.Cache && activity.Deterministic ? CacheKey.Compute(activity, inputs) : null;
        var lookup = cacheKey is not null && !_state.Row.NoCache;
        execution.CacheKey = cacheKey;

        var sink = new StepSink(_committer, execution);
        foreach (var line in resolved) sink.Log(line);
        var context = _services.ContextFor(_state.Id, execution.Id, execution.Attempts, sink.Log, sink, execution.Resume);
        if (holdsSlot)
        {
            // The claim (running, attempt n) was handed to the journal in this pass: the attempt starts once it is
            // durable, so an attempt cut short by a crash is always counted when the next owner takes the run over.
            StartOnPool(execution, activity, inputs, cacheKey, lookup, context, _committer.Committed);
            return null;
        }

        _committer.RunningOnLoop(execution);
        var attempt = StepRunner.RunAsync(activity, inputs, cacheKey, lookup, _services.Runs, definition.Timeout, context, _state.Mask, _stop.Token);
        _committer.RunningOnLoop(null);
        if (attempt.IsCompleted) return attempt.Result;
        _ = SignalWhenDoneAsync(execution, attempt);
        return null;
    }

    /// <summary>An attempt's result reached the loop: it no longer executes, and its slot (if any) is given back.</summary>
    public void Ended(StepExecution execution, StepResult result, bool detaching)
    {
        if (!execution.Executing) return;
        execution.Executing = false;
        Executing--;
        execution.Telemetry.End(RuntimeMetrics.Outcome(result, detaching), _state.Mask.Apply(result.Error));
        execution.Telemetry = default;
        if (execution.HoldsSlot) _services.Slots.Release();
        execution.HoldsSlot = false;
    }

    /// <summary>Cancels every attempt in flight (the run is cancelled, detached or lost).</summary>
    public void StopAttempts() => _stop.Cancel();

    /// <summary>
    /// The run's loop has ended: attempts still in flight (after a failed commit, or a take-over) are stopped and their
    /// slots freed now, since no loop is left to apply their results; slots granted too late are passed on.
    /// </summary>
    public void Close()
    {
        Volatile.Write(ref _closed, 1);
        if (Executing > 0)
        {
            _stop.Cancel();
            foreach (var execution in _state.All.Where(e => e.HoldsSlot))
            {
                execution.HoldsSlot = false;
                _services.Slots.Release();
            }
        }

        ReleaseGrantedSlots();
        _stop.Dispose();
    }

    // A method of its own, so that the closure is made only for attempts that go to the thread pool, not for every start.
    private void StartOnPool(StepExecution execution, ActivityDescriptor activity, JsonObject inputs, string? cacheKey, bool lookup, ActivityContext context,
        Task claimed)
    {
        // Read on the loop: an attempt caught running when the run was taken over may still be in the step queue.
        var adopt = execution.Recovered;
        execution.Recovered = false;
        _ = Task.Run(() => RunAttemptAsync(execution, activity, inputs, cacheKey, lookup, context, claimed, adopt));
    }

    /// <summary>The pool a step asks for; <c>default</c>, like none, is the pool every worker serves.</summary>
    private static string? PoolOf(Definitions.StepDefinition step) => step.Resources.Pool is null or DefaultPool ? null : step.Resources.Pool;

    /// <summary>The pool every worker serves, whatever else it serves.</summary>
    public const string DefaultPool = "default";

    /// <summary>The attempt as a ticket of the step queue: what a worker elsewhere needs to run it.</summary>
    /// <remarks>Secrets travel sealed (<see cref="SecretMask.Seal"/>): the store holds their names, and the worker puts its own values back.</remarks>
    private StepTicket Ticket(StepExecution execution, ActivityDescriptor activity, JsonObject inputs, string? cacheKey, bool lookup) =>
        new(new StepKey(_state.Id, execution.Id), execution.Attempts, PoolOf(execution.Definition), activity.Uses, _state.Mask.Seal(inputs)!.ToJsonString(),
            cacheKey, lookup, (long?)execution.Definition.Timeout?.TotalMilliseconds, _state.Mask.Seal(execution.Resume)?.ToJsonString(),
            _services.Time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>An inline attempt that did not finish at once (it awaits something): its result comes back as a signal.</summary>
    private async Task SignalWhenDoneAsync(StepExecution execution, Task<StepResult> attempt) =>
        _completed(execution, await attempt.ConfigureAwait(false));

    /// <summary>An attempt on the thread pool, its result signalled to the loop.</summary>
    private async Task RunAttemptAsync(StepExecution execution, ActivityDescriptor activity, JsonObject inputs, string? cacheKey,
        bool lookup, ActivityContext context, Task claimed, bool adopt)
    {
        try
        {
            await claimed.ConfigureAwait(false);
        }
        catch
        {
            // Not stored, so not started; the loop sees the failed commit and stops the run, which resumes from the store.
            _completed(execution, StepResult.Failure("not started: its claim could not be stored", retryable: true));
            return;
        }

        var result = _services.Dispatcher is { } dispatcher
            ? await dispatcher.RunAsync(Ticket(execution, activity, inputs, cacheKey, lookup), adopt, (StepSink)context.Progress, _stop.Token).ConfigureAwait(false)
            : await StepRunner.RunAsync(activity, inputs, cacheKey, lookup, _services.Runs, execution.Definition.Timeout, context, _state.Mask,
                _stop.Token).ConfigureAwait(false);
        _completed(execution, result);
    }

    private JsonObject RenderInputs(StepExecution execution)
    {
        var with = execution.Definition.With;
        ExpressionSandbox? sandbox = null;
        var inputs = new JsonObject();
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

    /// <summary>A step's log (stored) and progress reports (forwarded as events, not persisted), from here or relayed from a worker.</summary>
    private sealed class StepSink(RunCommitter committer, StepExecution execution) : IStepLog
    {
        public void Log(string line) => committer.Log(execution, line);

        public void Store(string line) => committer.Log(execution, line, publish: false);

        public void Relay(string line) => committer.Relay(execution, line);

        public void Report(ProgressUpdate value) => committer.Progress(execution, value);
    }
}
