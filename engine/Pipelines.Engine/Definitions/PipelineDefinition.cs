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
/// What starts runs without a person: a cron <see cref="Schedule"/> or a <see cref="Monitor"/> of a served model (one
/// of the two). Runs follow the latest version unless <see cref="Version"/> pins one. Unless
/// <see cref="AllowConcurrent"/>, a firing is skipped while this trigger's previous run is still going.
/// <see cref="Params"/> holds the literal param values; a monitor's expressions are in <see cref="MonitorDefinition.ParamExpressions"/>.
/// </summary>
public sealed record TriggerDefinition(string? Schedule, string? TimeZone, JsonObject Params, int? Version, bool AllowConcurrent, SourceLocation Location)
{
    public MonitorDefinition? Monitor { get; init; }
}

/// <summary>
/// A trigger that watches a served model: every <see cref="Every"/> the facts of its last <see cref="Window"/>
/// (<see cref="Monitoring.MonitorFacts"/>) are measured and, when the window holds at least
/// <see cref="MinRequests"/> requests and <see cref="When"/> is true, a run starts — at most one per
/// <see cref="Cooldown"/>. <see cref="ParamExpressions"/> pass the window's facts on as params.
/// </summary>
public sealed record MonitorDefinition(
    string Model,
    TemplateValue When,
    TimeSpan Window,
    TimeSpan Every,
    TimeSpan Cooldown,
    int MinRequests,
    IReadOnlyList<KeyValuePair<string, TemplateValue>> ParamExpressions)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultEvery = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromDays(1);
    public const int DefaultMinRequests = 100;
}

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
