namespace Pipelines.Schedules;

/// <summary>When a trigger (pipeline, index) last fired and the run that firing started, if any.</summary>
public sealed record ScheduleState(string Pipeline, int TriggerIndex, DateTimeOffset? LastFireAt, string? LastRunId);
