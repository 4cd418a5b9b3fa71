using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;

namespace Pipelines.Runtime;

/// <summary>
/// What executing a published version needs, made once per <c>name@N</c> and shared by every run of it
/// (<see cref="RunEngine.Plan"/>): the validated definition with its graph — each step's upstream and downstream,
/// the edges its expressions imply included — and the activity each step calls. Immutable.
/// </summary>
public sealed class RunPlan
{
    private readonly Dictionary<string, ActivityDescriptor> _activities = new(StringComparer.Ordinal);

    /// <param name="pipeline">A definition that validated against <paramref name="catalog"/> (so every step's activity is in it).</param>
    public RunPlan(PipelineDefinition pipeline, ActivityCatalog catalog)
    {
        Pipeline = pipeline;
        foreach (var step in pipeline.Steps)
        {
            _activities[step.Id] = catalog.Find(step.ActivityType, step.ActivityVersion)
                                   ?? throw new ArgumentException($"{step.Uses} of step '{step.Id}' is not in the catalog", nameof(pipeline));
        }
    }

    public PipelineDefinition Pipeline { get; }

    /// <summary>The activity a step (or any of its matrix combinations) calls.</summary>
    public ActivityDescriptor ActivityOf(StepDefinition step) => _activities[step.Id];

    /// <summary>
    /// A run's params: the defaults with <paramref name="overrides"/>, each checked against its declared type. Null, with
    /// every problem at once in <paramref name="errors"/>, when they do not resolve.
    /// </summary>
    public ResolvedParams? ResolveParams(JsonObject overrides, out IReadOnlyList<string> errors)
    {
        var values = RunParams.Resolve(Pipeline, overrides, out errors);
        return errors.Count > 0 ? null : new ResolvedParams(this, values);
    }
}

/// <summary>Params that resolved against a plan (<see cref="RunPlan.ResolveParams"/>): a run is created with them as they are.</summary>
public sealed class ResolvedParams
{
    internal ResolvedParams(RunPlan plan, JsonObject values)
    {
        Plan = plan;
        Values = values;
    }

    public RunPlan Plan { get; }

    /// <summary>Every param of the pipeline with its value (a default or an override).</summary>
    public JsonObject Values { get; }
}
