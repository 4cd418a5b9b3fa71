namespace Pipelines.Activities.Core;

public sealed record EchoInputs
{
    [Port("The text to log and return.")]
    public required string Message { get; init; }
}

public sealed record EchoOutputs
{
    [Port("The message, unchanged.")]
    public required string Message { get; init; }
}

/// <summary>Logs its message and returns it: the simplest way to see an expression's value in a run.</summary>
[Activity("core.echo", Category = "Control", Inline = true, Description = "Logs a message and returns it as an output.")]
public sealed class Echo : IActivity<EchoInputs, EchoOutputs>
{
    public Task<EchoOutputs> ExecuteAsync(EchoInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        context.Log(inputs.Message);
        return Task.FromResult(new EchoOutputs { Message = inputs.Message });
    }
}
