using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>The outcome of loading a pipeline file: the definition when it is valid, and every diagnostic either way.</summary>
public sealed record LoadResult(PipelineDefinition? Pipeline, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Succeeded => Pipeline is not null && Diagnostics.All(d => d.Severity != Severity.Error);
}
