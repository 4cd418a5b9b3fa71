using Pipelines.Activities;
using Pipelines.Artifacts;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ArtifactReadInputs
{
    [Port("The artifact to read, as artifact://sha256/...")]
    public required string Artifact { get; init; }
}

public sealed record ArtifactReadOutputs
{
    [Port("The artifact's text.")]
    public required string Content { get; init; }
}

/// <summary>Reads a text artifact from the store.</summary>
[Activity("test.artifact_read", Category = "Test", Description = "Reads a text artifact.")]
public sealed class ArtifactRead : IActivity<ArtifactReadInputs, ArtifactReadOutputs>
{
    public async Task<ArtifactReadOutputs> ExecuteAsync(ArtifactReadInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            var path = context.Artifacts.PathOf(ArtifactReference.Parse(inputs.Artifact));
            return new ArtifactReadOutputs { Content = await File.ReadAllTextAsync(path, cancellationToken) };
        }
    }
}
