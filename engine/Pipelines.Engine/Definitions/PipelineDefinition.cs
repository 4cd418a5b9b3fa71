using System.Text.Json.Nodes;
using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

public enum ParamType
{
    String,
    Number,
    Integer,
    Boolean,
    List,
    Object,
}

/// <summary>A typed input of a run; without a default the run must supply it.</summary>
public sealed record ParamDefinition(
    string Name,
    ParamType Type,
    JsonNode? Default,
    bool HasDefault,
    string? Description,
    IReadOnlyList<JsonNode?>? AllowedValues,
    SourceLocation Location);

/// <summary>
/// A schedule that starts runs; follows the latest version unless <see cref="Version"/> pins one. Unless
/// <see cref="AllowConcurrent"/>, a firing is skipped while this schedule's previous run is still going.
/// </summary>
public sealed record TriggerDefinition(string Schedule, string? TimeZone, JsonObject Params, int? Version, bool AllowConcurrent, SourceLocation Location);

/// <summary>Exponential backoff: attempt n waits <c>Backoff * Factor^(n-1)</c>.</summary>
public sealed record RetryPolicy(int Max, TimeSpan Backoff, double Factor)
{
    public static readonly RetryPolicy None = new(0, TimeSpan.FromSeconds(10), 2);
}

/// <summary>Where a step may run: GPUs, CPUs, memory (e.g. <c>16Gi</c>) and a named worker pool.</summary>
public sealed record ResourceRequest(int Gpu, double? Cpu, string? Memory, string? Pool)
{
    public static readonly ResourceRequest None = new(0, null, null, null);
}

public enum SelectGoal
{
    Minimize,
    Maximize,
}

/// <summary>How a matrix step picks <c>outputs.best</c>: the combination whose expression over <c>item</c> is least or greatest.</summary>
public sealed record SelectRule(SelectGoal Goal, TemplateValue Expression);

public sealed record StepDefinition(
    string Id,
    string Uses,
    string ActivityType,
    int ActivityVersion,
    string? DisplayName,
    string? Description,
    IReadOnlyList<KeyValuePair<string, ValueTemplate>> With,
    IReadOnlyList<string> Needs,
    ValueTemplate? When,
    IReadOnlyList<KeyValuePair<string, ValueTemplate>>? Matrix,
    SelectRule? Select,
    ResourceRequest Resources,
    bool Cache,
    TimeSpan? Timeout,
    RetryPolicy Retry,
    SourceLocation Location)
{
    /// <summary>Every step this one waits for: explicit <c>needs</c> plus the steps its expressions read.</summary>
    public IReadOnlyList<string> Upstream { get; init; } = [];

    /// <summary>Every step that waits for this one (the steps whose <see cref="Upstream"/> holds it), in document order.</summary>
    public IReadOnlyList<string> Downstream { get; init; } = [];
}

/// <summary>A validated pipeline, ready to be planned and run. Steps are in document (display) order.</summary>
public sealed record PipelineDefinition(
    string Name,
    string? Description,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<ParamDefinition> Params,
    IReadOnlyList<TriggerDefinition> Triggers,
    IReadOnlyList<StepDefinition> Steps,
    string Source)
{
    public StepDefinition? Step(string id) => Steps.FirstOrDefault(s => s.Id == id);
}
