using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record GateOutputs
{
    [Port("The step that passed the gate.")]
    public required string Step { get; init; }
}

/// <summary>Waits at its run's gate until the test releases it (or the step is cancelled): parallelism and cancellation without sleeps.</summary>
[Activity("test.gate", Category = "Test", Description = "Waits until the test opens the gate.", Deterministic = false)]
public sealed class Gate : IActivity<NoInputs, GateOutputs>
{
    public async Task<GateOutputs> ExecuteAsync(NoInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var probe = Probe.For(context.RunId);
        using (probe.Enter(context.StepId))
        {
            await probe.Gate.WaitAsync(cancellationToken);
            return new GateOutputs { Step = context.StepId };
        }
    }
}
