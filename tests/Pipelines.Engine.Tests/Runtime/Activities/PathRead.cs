using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record PathReadInputs
{
    [Port("A file, a folder or an artifact reference.")]
    [LocalPath]
    public string? Path { get; init; }

    [Port("More paths.")]
    [LocalPath]
    public IReadOnlyList<string> Paths { get; init; } = [];
}

public sealed record PathReadOutputs
{
    [Port("The path input.")]
    public required string Path { get; init; }
}

/// <summary>Records in its run's probe that it ran and returns its path without reading it: deterministic, so cacheable.</summary>
[Activity("test.path_read", Category = "Test", Description = "Records an invocation for a local path.")]
public sealed class PathRead : IActivity<PathReadInputs, PathReadOutputs>
{
    public Task<PathReadOutputs> ExecuteAsync(PathReadInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            return Task.FromResult(new PathReadOutputs { Path = inputs.Path ?? "" });
        }
    }
}
