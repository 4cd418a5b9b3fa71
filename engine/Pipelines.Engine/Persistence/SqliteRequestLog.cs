using Microsoft.Data.Sqlite;
using Pipelines.Monitoring;

namespace Pipelines.Persistence;

/// <summary>The served requests' log in the embedded store (table <c>served_requests</c> of migration 10).</summary>
public sealed class SqliteRequestLog(SqliteDatabase database) : IRequestLog
{
    private const string Columns = "id, model, name, alias, version, variant, at, prompt, output, finish_reason, prompt_tokens, completion_tokens, latency, ttft, rating, comment, correction";

    public async Task AppendAsync(LoggedRequest r, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync($"""
            INSERT INTO served_requests ({Columns})
            VALUES ($id, $model, $name, $alias, $version, $variant, $at, $prompt, $output, $finish, $promptTokens, $completionTokens, $latency, $ttft, $rating, $comment, $correction)
            """, ct, ("$id", r.Id), ("$model", r.Model), ("$name", r.Name), ("$alias", r.Alias), ("$version", r.Version), ("$variant", r.Variant),
            ("$at", r.At.ToUnixTimeMilliseconds()), ("$prompt", r.Prompt), ("$output", r.Output), ("$finish", r.FinishReason), ("$promptTokens", r.PromptTokens),
            ("$completionTokens", r.CompletionTokens), ("$latency", r.LatencySeconds), ("$ttft", r.TimeToFirstTokenSeconds), ("$rating", r.Rating), ("$comment", r.Comment), ("$correction", r.Correction));
    }

    public async Task<IReadOnlyList<LoggedRequest>> ListAsync(string model, DateTimeOffset? since, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command($"SELECT {Columns} FROM served_requests WHERE model = $model AND at >= $since ORDER BY at DESC, id LIMIT $limit",
            ("$model", model), ("$since", since?.ToUnixTimeMilliseconds() ?? 0), ("$limit", limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<LoggedRequest>();
        while (await reader.ReadAsync(ct))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            double? Number(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
            rows.Add(new LoggedRequest(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), reader.GetInt32(4), reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), Text(7), Text(8), reader.GetString(9), reader.GetInt32(10), reader.GetInt32(11),
                reader.GetDouble(12), Number(13), Number(14), Text(15), Text(16)));
        }

        return rows;
    }

    public async Task<bool> RateAsync(string id, Feedback feedback, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.Command("""
            UPDATE served_requests SET
                rating = COALESCE($rating, rating),
                comment = COALESCE($comment, comment),
                correction = CASE WHEN prompt IS NULL THEN NULL ELSE COALESCE($correction, correction) END
            WHERE id = $id
            """, ("$id", id), ("$rating", feedback.Rating), ("$comment", feedback.Comment), ("$correction", feedback.Correction));
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }
}
