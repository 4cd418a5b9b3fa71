namespace Pipelines.Activities.Evaluation;

/// <summary>
/// How well a model predicts a reference completion after its prompt: the cross-entropy summed over the completion's
/// tokens and the end-of-sequence token (<see cref="Tokens"/> of them), as train.lora's validation loss counts them.
/// </summary>
public sealed record CompletionLoss(double Sum, int Tokens)
{
    /// <summary>exp(mean loss per token); null when no token was scored (the prompt filled the context window).</summary>
    public double? Perplexity => Tokens > 0 ? Math.Exp(Sum / Tokens) : null;
}
