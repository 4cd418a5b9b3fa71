using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>
/// The outcome of loading a pipeline file: the definition when it is valid, and its diagnostics either way — the first
/// <see cref="DiagnosticBag.DefaultLimit"/> problems found, with <see cref="Omitted"/> counting the rest.
/// </summary>
public sealed record LoadResult(PipelineDefinition? Pipeline, IReadOnlyList<Diagnostic> Diagnostics, int Omitted = 0)
{
    public bool Succeeded => Pipeline is not null && Diagnostics.All(d => d.Severity != Severity.Error);

    /// <summary>Every problem found: those listed and those left out.</summary>
    public int ProblemCount => Diagnostics.Count + Omitted;
}
