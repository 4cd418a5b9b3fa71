using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>
/// How one attempt of a step ended. <see cref="LostAttempts"/>: on the shared store, the times a worker died holding
/// the attempt before another ran it to this end; each counts as an attempt, as a crash of the run's own process does.
/// </summary>
internal sealed record StepResult(JsonObject? Outputs, string? Error, bool Retryable, bool Cancelled, bool Cached, string? CacheKey, string? Bookmark = null,
    int LostAttempts = 0)
{
    public bool Succeeded => Outputs is not null && Error is null && !Cancelled;

    public static StepResult Success(JsonObject outputs, bool cached, string? cacheKey) => new(outputs, null, false, false, cached, cacheKey);

    public static StepResult Failure(string error, bool retryable) => new(null, error, retryable, false, false, null);

    public static StepResult Cancellation() => new(null, "cancelled", false, true, false, null);

    public static StepResult Suspension(string bookmark) => new(null, null, false, false, false, null, bookmark);
}
