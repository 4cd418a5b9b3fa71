using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record FlakyInputs
{
    [Port("How many attempts fail before one succeeds.")]
    public int Failures { get; init; }

    [Port("Whether the failures may be retried.")]
    public bool Retryable { get; init; } = true;
}

public sealed record FlakyOutputs
{
    [Port("The attempt that succeeded.")]
    public required int Attempt { get; init; }
}

/// <summary>Fails its first <c>failures</c> attempts, then succeeds.</summary>
[Activity("test.flaky", Category = "Test", Description = "Fails the first N attempts.", Deterministic = false)]
public sealed class Flaky : IActivity<FlakyInputs, FlakyOutputs>
{
    public Task<FlakyOutputs> ExecuteAsync(FlakyInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            if (context.Attempt <= inputs.Failures)
            {
                throw new ActivityFailedException($"attempt {context.Attempt} failed on purpose", inputs.Retryable);
            }

            return Task.FromResult(new FlakyOutputs { Attempt = context.Attempt });
        }
    }
}
