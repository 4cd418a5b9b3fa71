using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Expressions;
using Pipelines.Persistence;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// A run as an aggregate: its definition, params, run row and every step execution, and what changed since the last
/// hand-over to the store. It decides nothing: the rules of a step's life are <see cref="StepTransitions"/>, which
/// change executions here and mark them changed; the coordinator takes the changes (<see cref="TakeChanges"/>) and
/// commits them. No I/O, and nothing here knows how a store lays its rows out.
/// </summary>
internal sealed class RunState
{
    private readonly Dictionary<string, StepExecution> _executions = new(StringComparer.Ordinal);
    private readonly HashSet<StepExecution> _dirty = [];
    private readonly List<StepExecution> _taken = [];

    /// <param name="parameters">The run's params when the caller has them parsed already (they are <paramref name="run"/>'s, as text).</param>
    public RunState(RunRow run, RunPlan plan, SecretMask mask, JsonObject? parameters = null)
    {
        Row = run;
        Plan = plan;
        var definition = plan.Pipeline;
        Params = parameters ?? JsonNode.Parse(run.Params)!.AsObject();
        Mask = mask;
        Status = StatusNames.ParseRun(run.Status);
        foreach (var step in definition.Steps)
        {
            var execution = new StepExecution(step.Id, step);
            _executions[step.Id] = execution;
            TopLevel.Add(execution);
        }
    }

    public RunRow Row { get; private set; }

    public string Id => Row.Id;

    /// <summary>The version's plan: its definition, graph and activities, shared with every run of it.</summary>
    public RunPlan Plan { get; }

    public PipelineDefinition Definition => Plan.Pipeline;

    public JsonObject Params { get; }

    /// <summary>The process's secrets: readable by expressions, masked in every row this state writes.</summary>
    public SecretMask Mask { get; }

    public RunStatus Status { get; set; }

    public string? Error { get; set; }

    public bool RunDirty { get; set; }

    public List<StepExecution> TopLevel { get; } = [];

    public IEnumerable<StepExecution> All => _executions.Values;

    public StepExecution this[string id] => _executions[id];

    /// <summary>Adds a matrix combination (made by <see cref="StepTransitions"/> when a matrix fans out).</summary>
    public void AddChild(StepExecution child) => _executions[child.Id] = child;

    /// <summary>Restores executions (and matrix children) from their stored rows.</summary>
    public void Load(IReadOnlyList<StepRow> rows)
    {
        foreach (var row in rows)
        {
            if (row.ParentId is null && _executions.TryGetValue(row.StepId, out var execution)) execution.Load(row);
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
    }

    /// <summary>The combination index of a matrix child id such as <c>sweep[12]</c>.</summary>
    private static int ChildIndex(string id) =>
        int.Parse(id.AsSpan(id.LastIndexOf('[') + 1, id.Length - id.LastIndexOf('[') - 2), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Records that <paramref name="execution"/> changed: it is handed to the store at the next <see cref="TakeChanges"/>.</summary>
    public void MarkDirty(StepExecution execution)
    {
        _dirty.Add(execution);
        Changed?.Invoke(execution);
    }

    /// <summary>Called at every change of an execution, as it happens (the coordinator announces statuses from it).</summary>
    public Action<StepExecution>? Changed { get; set; }

    /// <summary>
    /// Moves the executions that changed (as rows, secrets masked) and the run row, when changed, into
    /// <paramref name="changes"/>, and returns those executions in a list that is reused by the next call.
    /// </summary>
    public List<StepExecution> TakeChanges(RunChanges changes, string? owner, long? leaseExpiresAt, long now)
    {
        _taken.Clear();
        _taken.AddRange(_dirty);
        _dirty.Clear();
        foreach (var execution in _taken) changes.Steps.Add(execution.ToRow(Id, Mask));
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
            changes.Run = Row;
            RunDirty = false;
        }

        return _taken;
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
}
