using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Expressions;
using Pipelines.Json;
using Pipelines.Persistence;

namespace Pipelines.Runtime;

/// <summary>
/// A run as an aggregate: its definition, params and every step execution. Decides, without side effects, what may
/// happen next: which steps are ready, skipped or fanned out, when matrix steps finish, and how the run ends. Dirty
/// executions are collected so the coordinator can commit exactly what changed.
/// </summary>
internal sealed class RunState
{
    private readonly Dictionary<string, StepExecution> _executions = new(StringComparer.Ordinal);
    private readonly HashSet<StepExecution> _dirty = [];
    private readonly List<StepExecution> _taken = [];
    private readonly List<StepExecution> _settling = [];

    // Where executions are stored (StepChunks): each chunk's members in stored order, and the chunks changed since the
    // last flush, written whole.
    private readonly List<List<StepExecution>> _chunks = [];
    private readonly List<bool> _chunkDirty = [];
    private readonly List<int> _dirtyChunks = [];
    private readonly List<StepRow> _chunkRows = [];

    // Work lists that keep each transition O(degree) instead of a scan of the whole run.
    private readonly HashSet<StepExecution> _candidates = [];
    private HashSet<StepExecution>? _matrixChecks; // made at the first matrix step
    private readonly Queue<StepExecution> _ready = new();
    private int _open;

    /// <param name="parameters">The run's params when the caller has them parsed already (they are <paramref name="run"/>'s, as text).</param>
    public RunState(RunRow run, PipelineDefinition definition, SecretMask mask, JsonObject? parameters = null)
    {
        Row = run;
        Definition = definition;
        Params = parameters ?? JsonNode.Parse(run.Params)!.AsObject();
        Mask = mask;
        Status = StatusNames.ParseRun(run.Status);
        foreach (var step in definition.Steps)
        {
            var execution = new StepExecution(step.Id, step);
            _executions[step.Id] = execution;
            TopLevel.Add(execution);
        }

        Reindex();
    }

    /// <summary>True when every top-level step has finished.</summary>
    public bool AllFinished => _open == 0;

    /// <summary>Rebuilds the work lists from the statuses (after construction or loading rows).</summary>
    private void Reindex()
    {
        _candidates.Clear();
        _matrixChecks?.Clear();
        _ready.Clear();
        _open = 0;
        foreach (var step in TopLevel)
        {
            if (!step.Status.IsTerminal()) _open++;
            if (step.Status == StepStatus.Pending) _candidates.Add(step);
            if (step is { Status: StepStatus.Running, Children: not null }) (_matrixChecks ??= []).Add(step);
        }

        foreach (var execution in _executions.Values.Where(e => e.Status == StepStatus.Ready)) _ready.Enqueue(execution);
    }

    /// <summary>Marks an execution ready to be claimed.</summary>
    public void MakeReady(StepExecution execution)
    {
        execution.Status = StepStatus.Ready;
        MarkDirty(execution);
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

    public RunRow Row { get; private set; }

    public string Id => Row.Id;

    public PipelineDefinition Definition { get; }

    public JsonObject Params { get; }

    /// <summary>The process's secrets: readable by expressions, masked in every row this state writes.</summary>
    public SecretMask Mask { get; }

    public RunStatus Status { get; set; }

    public string? Error { get; set; }

    public bool RunDirty { get; set; }

    public List<StepExecution> TopLevel { get; } = [];

    public IEnumerable<StepExecution> All => _executions.Values;

    public StepExecution this[string id] => _executions[id];

    /// <summary>Restores executions (and matrix children) from their stored chunks, keeping each where it is stored.</summary>
    public void Load(IReadOnlyList<IReadOnlyList<StepRow>> chunks)
    {
        var rows = chunks.SelectMany(chunk => chunk).ToList();
        foreach (var row in rows.Where(r => r.ParentId is null && _executions.ContainsKey(r.StepId)))
        {
            _executions[row.StepId].Load(row);
        }

        foreach (var row in rows.Where(r => r.ParentId is not null).OrderBy(r => r.ParentId, StringComparer.Ordinal).ThenBy(r => ChildIndex(r.StepId)))
        {
            var parent = _executions[row.ParentId!];
            var child = new StepExecution(row.StepId, parent.Definition)
            {
                Parent = parent,
                Matrix = row.Matrix is null ? null : JsonNode.Parse(row.Matrix)!.AsObject(),
            };
            child.Load(row);
            (parent.Children ??= []).Add(child);
            _executions[child.Id] = child;
        }

        for (var number = 0; number < chunks.Count; number++)
        {
            var members = new List<StepExecution>(StepChunks.Size);
            foreach (var row in chunks[number])
            {
                if (!_executions.TryGetValue(row.StepId, out var execution)) continue; // not in this definition: dropped at the next write
                execution.Chunk = number;
                members.Add(execution);
            }

            _chunks.Add(members);
            _chunkDirty.Add(false);
        }

        Reindex();
    }

    /// <summary>The combination index of a matrix child id such as <c>sweep[12]</c>.</summary>
    private static int ChildIndex(string id) =>
        int.Parse(id.AsSpan(id.LastIndexOf('[') + 1, id.Length - id.LastIndexOf('[') - 2), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records that <paramref name="execution"/> changed: its chunk is written at the next flush.</summary>
    public void MarkDirty(StepExecution execution)
    {
        _dirty.Add(execution);
        if (execution.Chunk < 0)
        {
            // First stored: into the last chunk, or a new one when it is full.
            if (_chunks.Count == 0 || _chunks[^1].Count >= StepChunks.Size)
            {
                _chunks.Add(new List<StepExecution>(Math.Min(StepChunks.Size, _executions.Count)));
                _chunkDirty.Add(false);
            }

            execution.Chunk = _chunks.Count - 1;
            _chunks[^1].Add(execution);
        }

        if (!_chunkDirty[execution.Chunk])
        {
            _chunkDirty[execution.Chunk] = true;
            _dirtyChunks.Add(execution.Chunk);
        }

        Changed?.Invoke(execution);
    }

    /// <summary>Called at every change of an execution, as it happens (the coordinator announces statuses from it).</summary>
    public Action<StepExecution>? Changed { get; set; }

    /// <summary>
    /// Moves the chunks that changed (whole) and the run row, when changed, into <paramref name="batch"/> and returns the
    /// executions that changed, in a list that is reused by the next call.
    /// </summary>
    public List<StepExecution> TakeDirty(StoreBatch batch, string? owner, long? leaseExpiresAt, long now)
    {
        _taken.Clear();
        _taken.AddRange(_dirty);
        _dirty.Clear();
        foreach (var number in _dirtyChunks)
        {
            _chunkDirty[number] = false;
            _chunkRows.Clear();
            foreach (var execution in _chunks[number]) _chunkRows.Add(execution.ToRow(Id, Mask));
            batch.Chunks.Add(new StepChunkRow(Id, number, StepChunks.Encode(_chunkRows)));
        }

        _dirtyChunks.Clear();
        if (RunDirty)
        {
            Row = Row with
            {
                Status = Status.Name(),
                Error = Mask.Apply(Error),
                StartedAt = Row.StartedAt ?? (Status == RunStatus.Pending ? null : now),
                FinishedAt = Status.IsTerminal() ? Row.FinishedAt ?? now : null,
                // A waiting run belongs to nobody: whichever process resumes its bookmark takes it.
                Owner = Status.IsTerminal() || Status == RunStatus.Waiting ? null : owner,
                LeaseExpiresAt = Status.IsTerminal() || Status == RunStatus.Waiting ? null : leaseExpiresAt,
            };
            batch.Runs.Add(Row);
            RunDirty = false;
        }

        return _taken;
    }

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
            var before = _executions[id];
            if (before.Status is StepStatus.Failed or StepStatus.Cancelled) return before;
            if (before.Status == StepStatus.Skipped && BrokenBehind(before) is { } root) return root;
        }

        return null;
    }

    private bool Settle(StepExecution step, long now)
    {
        var upstream = step.Definition.Upstream;
        StepExecution? broken = null;
        var skipped = 0;
        for (var i = 0; i < upstream.Count; i++)
        {
            var before = _executions[upstream[i]];
            if (!before.Status.IsTerminal()) return false;
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
            return true;
        }

        if (upstream.Count > 0 && skipped == upstream.Count)
        {
            Finish(step, StepStatus.Skipped, now, "every upstream step was skipped");
            return true;
        }

        if (step.Definition.When is { } when)
        {
            bool proceed;
            try
            {
                proceed = Truthy(when.Render(SandboxFor(step)));
            }
            catch (ExpressionException e)
            {
                Finish(step, StepStatus.Failed, now, $"when: {e.Reason}");
                return true;
            }

            if (!proceed)
            {
                Finish(step, StepStatus.Skipped, now, "when was false");
                return true;
            }
        }

        if (step.Definition.Matrix is { } axes)
        {
            return Expand(step, axes, now);
        }

        MakeReady(step);
        return true;
    }

    private bool Expand(StepExecution step, IReadOnlyList<KeyValuePair<string, ValueTemplate>> axes, long now)
    {
        List<JsonObject> combinations;
        try
        {
            combinations = MatrixCombinations.Expand(axes, SandboxFor(step));
        }
        catch (Exception e) when (e is ExpressionException or MatrixException)
        {
            Finish(step, StepStatus.Failed, now, $"matrix: {(e as ExpressionException)?.Reason ?? e.Message}");
            return true;
        }

        step.Status = StepStatus.Running;
        step.StartedAt = now;
        step.Children = [];
        MarkDirty(step);
        for (var i = 0; i < combinations.Count; i++)
        {
            var child = new StepExecution($"{step.Id}[{i}]", step.Definition) { Parent = step, Matrix = combinations[i] };
            step.Children.Add(child);
            _executions[child.Id] = child;
            MakeReady(child);
        }

        if (combinations.Count == 0)
        {
            CompleteMatrix(step, step.Children, now);
        }

        return true;
    }

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
                best = MatrixCombinations.Select(select, children.Select(WithMatrix).ToList(), item => SandboxFor(step, item));
            }
            catch (Exception e) when (e is ExpressionException or MatrixException)
            {
                Finish(step, StepStatus.Failed, now, $"select: {(e as ExpressionException)?.Reason ?? e.Message}");
                return;
            }
        }

        // Outputs never carry secrets (StepRunner masks an activity's): here a matrix value may be one.
        step.Outputs = Mask.Apply(new JsonObject { ["all"] = all, ["best"] = best?.DeepClone() });
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
                foreach (var next in execution.Definition.Downstream) _candidates.Add(_executions[next]);
            }
        }

        execution.Status = status;
        execution.FinishedAt = now;
        execution.Error = error;
        execution.LeaseOwner = null;
        execution.NextAttemptAt = null;
        MarkDirty(execution);
    }

    /// <summary>True when every top-level step has finished; sets the run's final status.</summary>
    public bool TryComplete(bool cancelled, string? cancelReason)
    {
        if (!AllFinished)
        {
            return false;
        }

        var failed = TopLevel.Find(s => s.Status == StepStatus.Failed);
        (Status, Error) = cancelReason is not null ? (RunStatus.Failed, cancelReason)
            : cancelled ? (RunStatus.Cancelled, "cancelled")
            : failed is not null ? (RunStatus.Failed, $"step '{failed.Id}' failed: {failed.Error}")
            : (RunStatus.Succeeded, null);
        RunDirty = true;
        return true;
    }

    /// <summary>An expression sandbox for a step: params, run, secrets, its matrix, and only the steps it reads.</summary>
    public ExpressionSandbox SandboxFor(StepExecution execution, JsonNode? item = null)
    {
        var steps = new JsonObject();
        foreach (var id in execution.Definition.Upstream)
        {
            var upstream = _executions[id];
            steps[id] = new JsonObject
            {
                ["outputs"] = upstream.Outputs?.DeepClone() ?? new JsonObject(),
                ["status"] = upstream.Status.Name(),
            };
        }

        return new ExpressionSandbox(new ExpressionScope
        {
            Params = Params,
            Steps = steps,
            Matrix = execution.Matrix,
            Item = item,
            Secrets = Mask.Secrets,
            Run = new JsonObject
            {
                ["id"] = Row.Id,
                ["pipeline"] = Row.Pipeline,
                ["version"] = Row.Version,
                ["trigger"] = Row.Trigger,
                ["started"] = DateTimeOffset.FromUnixTimeMilliseconds(Row.StartedAt ?? Row.CreatedAt).ToString("O"),
            },
        });
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
