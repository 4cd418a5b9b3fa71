namespace Pipelines.Persistence;

/// <summary>A designer's draft of a pipeline: its text as last saved, which may not validate.</summary>
public sealed record Draft(string Name, string Yaml, DateTimeOffset SavedAt);
