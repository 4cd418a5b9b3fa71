namespace Pipelines.Activities.Serving;

/// <summary>
/// What <see cref="ContinuousBatcher.Submit"/> answers: the running <see cref="Response"/>, or, when the waiting queue
/// is full, none and how long to wait before trying again (HTTP 429 with <c>Retry-After</c>).
/// </summary>
public sealed record Submission(ServingResponse? Response, TimeSpan RetryAfter)
{
    public bool Accepted => Response is not null;
}
