namespace Pipelines.Monitoring;

/// <summary>
/// One request a served model answered: what monitoring windows and <c>data.collect</c> read. Every request is
/// recorded with its figures; its <see cref="Prompt"/> and <see cref="Output"/> only when it was sampled
/// (<c>Serving:SampleRate</c>), and then with personal data redacted — unsampled, both are null.
/// </summary>
public sealed record LoggedRequest(
    string Id,
    string Model,
    string Name,
    string? Alias,
    int Version,
    string Variant,
    DateTimeOffset At,
    string? Prompt,
    string? Output,
    string FinishReason,
    int PromptTokens,
    int CompletionTokens,
    double LatencySeconds,
    double? TimeToFirstTokenSeconds,
    double? Rating = null,
    string? Comment = null,
    string? Correction = null);

/// <summary>
/// What a user said about an answer (<c>POST /v1/feedback</c>): a <see cref="Rating"/> from 0 (bad) to 1 (good), a
/// <see cref="Comment"/>, and a <see cref="Correction"/> — the answer they wanted (the subject line they sent instead),
/// which data.collect prefers to the model's own answer. Null fields leave what an earlier feedback gave.
/// </summary>
public sealed record Feedback(double? Rating, string? Comment, string? Correction);

/// <summary>
/// The served requests' log, behind a contract the engine owns (as the registry's), so the PostgreSQL store of the
/// scale-out issue can implement it. The embedded store implements it on SQLite (<see cref="Persistence.SqliteRequestLog"/>).
/// </summary>
public interface IRequestLog
{
    Task AppendAsync(LoggedRequest request, CancellationToken ct);

    /// <summary>The model's requests at or after <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<LoggedRequest>> ListAsync(string model, DateTimeOffset? since, int limit, CancellationToken ct);

    /// <summary>
    /// Attaches a user's feedback to a logged request; false when no request has that id. Text (comment, correction)
    /// comes redacted by the caller; a correction is kept only for a sampled request (one whose prompt is kept), as
    /// without the prompt it could teach nothing.
    /// </summary>
    Task<bool> RateAsync(string id, Feedback feedback, CancellationToken ct);
}
