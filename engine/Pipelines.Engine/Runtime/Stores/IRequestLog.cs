using Pipelines.Monitoring;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// The served requests' log. Implemented for SQLite and PostgreSQL by <see cref="Persistence.Sql.SqlRequestLog"/>.
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
