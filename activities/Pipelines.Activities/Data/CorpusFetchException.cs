namespace Pipelines.Activities.Data;

/// <summary>Installing a corpus failed for a reason the user can act on: the message says what, the hint what to do.</summary>
public sealed class CorpusFetchException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}
