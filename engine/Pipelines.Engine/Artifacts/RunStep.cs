namespace Pipelines.Artifacts;

/// <summary>One step of one run: the producer or a consumer of an artifact.</summary>
public sealed record RunStep(string RunId, string StepId);
