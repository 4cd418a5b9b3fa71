using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record StubbornInputs
{
    [Port("How long to block, in milliseconds.")]
    public int Milliseconds { get; init; }
}

/// <summary>Blocks without looking at its cancellation token, like a call into a library that takes none.</summary>
[Activity("test.stubborn", Category = "Test", Description = "Blocks, ignoring cancellation.", Deterministic = false)]
public sealed class Stubborn : IActivity<StubbornInputs, NoOutputs>
{
    public async Task<NoOutputs> ExecuteAsync(StubbornInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using (Probe.For(context.RunId).Enter(context.StepId))
        {
            await Task.Delay(inputs.Milliseconds, CancellationToken.None);
            return new NoOutputs();
        }
    }
}
