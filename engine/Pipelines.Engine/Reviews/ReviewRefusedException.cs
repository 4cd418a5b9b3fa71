namespace Pipelines.Reviews;

public enum ReviewRefusal
{
    /// <summary>No review with that id.</summary>
    NotFound,

    /// <summary>The decision is malformed (unknown decision, criterion or score).</summary>
    Invalid,

    /// <summary>The caller is not one of the review's reviewers.</summary>
    NotAllowed,

    /// <summary>The review is already decided, or this reviewer already decided.</summary>
    Conflict,
}

/// <summary>A decision that was not recorded, with why (the API maps it to 404/400/403/409, the CLI to an error line).</summary>
public sealed class ReviewRefusedException(ReviewRefusal reason, string message, string? hint = null) : Exception(message)
{
    public ReviewRefusal Reason { get; } = reason;

    public string? Hint { get; } = hint;
}
