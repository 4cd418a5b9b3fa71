using Pipelines.Monitoring;
using Pipelines.Persistence.Rows;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>The served requests' log in the embedded store (table <c>served_requests</c> of migrations 10 and 11).</summary>
public sealed class SqliteRequestLog(SqliteDatabase database) : IRequestLog
{
    public async Task AppendAsync(LoggedRequest request, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync($"INSERT INTO served_requests ({RequestRow.Columns}) VALUES ({RequestRow.Placeholders})", ct,
            [.. RequestRow.Values(request).Select((v, i) => ($"${i + 1}", v))]);
    }

    public async Task<IReadOnlyList<LoggedRequest>> ListAsync(string model, DateTimeOffset? since, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.QueryAsync($"SELECT {RequestRow.Columns} FROM served_requests WHERE model = $model AND at >= $since ORDER BY at DESC, id LIMIT $limit",
            RequestRow.Read, ct, ("$model", model), ("$since", since?.ToUnixTimeMilliseconds() ?? 0), ("$limit", limit));
    }

    public async Task<bool> RateAsync(string id, Feedback feedback, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync("""
            UPDATE served_requests SET
                rating = COALESCE($rating, rating),
                comment = COALESCE($comment, comment),
                correction = CASE WHEN prompt IS NULL THEN NULL ELSE COALESCE($correction, correction) END
            WHERE id = $id
            """, ct, ("$id", id), ("$rating", feedback.Rating), ("$comment", feedback.Comment), ("$correction", feedback.Correction)) > 0;
    }
}
