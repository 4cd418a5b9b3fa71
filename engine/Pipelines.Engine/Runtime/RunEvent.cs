using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>Something that happened in a run, for live displays (CLI progress, server-sent events). Not persisted.</summary>
public abstract record RunEvent(string RunId, DateTimeOffset At);

public sealed record RunStatusChanged(string RunId, DateTimeOffset At, RunStatus Status, string? Error) : RunEvent(RunId, At);

public sealed record StepStatusChanged(string RunId, DateTimeOffset At, string StepId, StepStatus Status, int Attempt, bool Cached, string? Error, JsonObject? Outputs)
    : RunEvent(RunId, At);

public sealed record StepProgressed(string RunId, DateTimeOffset At, string StepId, double? Fraction, string? Message, IReadOnlyDictionary<string, double>? Metrics)
    : RunEvent(RunId, At);

public sealed record StepLogged(string RunId, DateTimeOffset At, string StepId, string Line) : RunEvent(RunId, At);
