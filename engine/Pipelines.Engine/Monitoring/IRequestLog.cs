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
    string? Comment = null);

/// <summary>
/// The served requests' log, behind a contract the engine owns (as the registry's), so the PostgreSQL store of the
/// scale-out issue can implement it. The embedded store implements it on SQLite (<see cref="Persistence.SqliteRequestLog"/>).
/// </summary>
public interface IRequestLog
{
    Task AppendAsync(LoggedRequest request, CancellationToken ct);

    /// <summary>The model's requests at or after <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<LoggedRequest>> ListAsync(string model, DateTimeOffset? since, int limit, CancellationToken ct);

    /// <summary>Attaches a user's rating (and comment) to a logged request; false when no request has that id.</summary>
    Task<bool> RateAsync(string id, double rating, string? comment, CancellationToken ct);
}
