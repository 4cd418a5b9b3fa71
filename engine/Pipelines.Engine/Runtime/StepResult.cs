using System.Text.Json.Nodes;

namespace Pipelines.Runtime;

/// <summary>How one attempt of a step ended.</summary>
internal sealed record StepResult(JsonObject? Outputs, string? Error, bool Retryable, bool Cancelled, bool Cached, string? CacheKey, string? Bookmark = null)
{
    public bool Succeeded => Outputs is not null && Error is null && !Cancelled;

    public static StepResult Success(JsonObject outputs, bool cached, string? cacheKey) => new(outputs, null, false, false, cached, cacheKey);

    public static StepResult Failure(string error, bool retryable) => new(null, error, retryable, false, false, null);

    public static StepResult Cancellation() => new(null, "cancelled", false, true, false, null);

    public static StepResult Suspension(string bookmark) => new(null, null, false, false, false, null, bookmark);
}
