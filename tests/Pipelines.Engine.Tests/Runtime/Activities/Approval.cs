using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Runtime.Activities;

public sealed record ApprovalOutputs
{
    [Port("Whether the resumption approved.")]
    public required bool Approved { get; init; }

    [Port("How many times the activity was called for this step.")]
    public required int Calls { get; init; }
}

/// <summary>Suspends on the bookmark <c>approval</c> until resumed with <c>{ "approved": bool }</c>: a human gate without the people.</summary>
[Activity("test.approval", Category = "Test", Description = "Waits for an approval bookmark.", Deterministic = false)]
public sealed class Approval : IActivity<NoInputs, ApprovalOutputs>
{
    public Task<ApprovalOutputs> ExecuteAsync(NoInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var probe = Probe.For(context.RunId);
        using (probe.Enter(context.StepId))
        {
        }

        var calls = probe.Starts(context.StepId);
        if (context.Resumption is null)
        {
            throw context.Suspend("approval");
        }

        return Task.FromResult(new ApprovalOutputs { Approved = (bool)context.Resumption["approved"]!, Calls = calls });
    }
}
