using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ArtifactWriteInputs
{
    [Port("The text to store.")]
    public required string Content { get; init; }
}

public sealed record ArtifactWriteOutputs
{
    [Port("The stored text, as artifact://sha256/...")]
    public required string Artifact { get; init; }
}

/// <summary>Stores its content as a report artifact and returns the reference.</summary>
[Activity("test.artifact_write", Category = "Test", Description = "Stores text as an artifact.")]
public sealed class ArtifactWrite : IActivity<ArtifactWriteInputs, ArtifactWriteOutputs>
{
    public async Task<ArtifactWriteOutputs> ExecuteAsync(ArtifactWriteInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            var reference = await context.Artifacts.PutTextAsync(inputs.Content, "report", cancellationToken);
            return new ArtifactWriteOutputs { Artifact = reference.Uri };
        }
    }
}
