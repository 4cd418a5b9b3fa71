namespace Pipelines.Activities.Core;

/// <summary>Does nothing and succeeds: a join point in a DAG, and the unit of the engine benchmark.</summary>
[Activity("core.noop", Category = "Control", Inline = true, Description = "Does nothing and succeeds.")]
public sealed class NoOp : IActivity<NoInputs, NoOutputs>
{
    public Task<NoOutputs> ExecuteAsync(NoInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new NoOutputs());
}
