namespace Pipelines.Activities;

/// <summary>
/// An activity: one typed inputs record in, one typed outputs record out. Inputs and outputs carry
/// <see cref="PortAttribute"/> and friends; the catalog derives descriptors, JSON Schema and validation from them.
/// </summary>
public interface IActivity<in TInputs, TOutputs>
    where TInputs : class
    where TOutputs : class
{
    Task<TOutputs> ExecuteAsync(TInputs inputs, ActivityContext context, CancellationToken cancellationToken);
}

/// <summary>Outputs of an activity that produces nothing.</summary>
public sealed record NoOutputs;

/// <summary>Inputs of an activity that takes nothing.</summary>
public sealed record NoInputs;
