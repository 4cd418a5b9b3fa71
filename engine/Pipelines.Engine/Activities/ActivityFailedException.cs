namespace Pipelines.Activities;

/// <summary>An activity failed for a reason the user should read (not a bug): the message is shown as is.</summary>
public class ActivityFailedException(string message, bool retryable = true) : Exception(message)
{
    /// <summary>False when retrying cannot help (bad input data, a rejected review).</summary>
    public bool Retryable { get; } = retryable;
}
