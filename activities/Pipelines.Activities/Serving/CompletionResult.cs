namespace Pipelines.Activities.Serving;

/// <summary>How a request ended: why, its whole text and token ids (a stop token or string not included), the usage counts and timings.</summary>
public sealed record CompletionResult(FinishReason FinishReason, string Text, IReadOnlyList<int> TokenIds, int PromptTokens, RequestTimings Timings)
{
    public int CompletionTokens => TokenIds.Count;
}
