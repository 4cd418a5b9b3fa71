namespace Pipelines.Activities.Core;

public sealed record FailInputs
{
    [Port("The error message the step fails with.")]
    public string Message { get; init; } = "failed on purpose (core.fail)";
}

/// <summary>Always fails with its message: for testing retries, failure propagation and alerts.</summary>
[Activity("core.fail", Category = "Control", Inline = true, Description = "Always fails with the given message.")]
public sealed class Fail : IActivity<FailInputs, NoOutputs>
{
    public Task<NoOutputs> ExecuteAsync(FailInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        throw new ActivityFailedException(inputs.Message);
}
