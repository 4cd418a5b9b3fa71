using Pipelines.Monitoring;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>The served requests' log (table <c>served_requests</c>) on SQLite or PostgreSQL.</summary>
public sealed class SqlRequestLog(StoreDialect database) : IRequestLog
{
    public async Task AppendAsync(LoggedRequest request, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync($"INSERT INTO served_requests ({RequestRow.Columns}) VALUES ({RequestRow.Placeholders})", ct, RequestRow.Values(request));
    }

    public async Task<IReadOnlyList<LoggedRequest>> ListAsync(string model, DateTimeOffset? since, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {RequestRow.Columns} FROM served_requests WHERE model = $1 AND at >= $2 ORDER BY at DESC, id LIMIT $3",
            RequestRow.Read, ct, model, since?.ToUnixTimeMilliseconds() ?? 0L, limit);
    }

    public async Task<bool> RateAsync(string id, Feedback feedback, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE served_requests SET
                rating = COALESCE($2, rating),
                comment = COALESCE($3, comment),
                correction = CASE WHEN prompt IS NULL THEN NULL ELSE COALESCE($4, correction) END
            WHERE id = $1
            """, ct, id, feedback.Rating, feedback.Comment, feedback.Correction) > 0;
    }
}
