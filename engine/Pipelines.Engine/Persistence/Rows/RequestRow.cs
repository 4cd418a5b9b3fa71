using System.Data.Common;
using Pipelines.Monitoring;

namespace Pipelines.Persistence.Rows;

/// <summary>Served requests as both stores keep them (<c>served_requests</c>), times in unix milliseconds.</summary>
internal static class RequestRow
{
    public const string Columns = "id, model, name, alias, version, variant, at, prompt, output, finish_reason, prompt_tokens, completion_tokens, latency, ttft, rating, comment, correction";

    /// <summary>Positional parameters for <see cref="Values"/>, <c>$1</c> to <c>$17</c>.</summary>
    public static readonly string Placeholders = string.Join(", ", Enumerable.Range(1, 17).Select(i => $"${i}"));

    public static object?[] Values(LoggedRequest r) =>
    [
        r.Id, r.Model, r.Name, r.Alias, r.Version, r.Variant, r.At.ToUnixTimeMilliseconds(), r.Prompt, r.Output, r.FinishReason, r.PromptTokens,
        r.CompletionTokens, r.LatencySeconds, r.TimeToFirstTokenSeconds, r.Rating, r.Comment, r.Correction,
    ];

    public static LoggedRequest Read(DbDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        double? Number(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
        return new LoggedRequest(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), reader.GetInt32(4), reader.GetString(5),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), Text(7), Text(8), reader.GetString(9), reader.GetInt32(10), reader.GetInt32(11),
            reader.GetDouble(12), Number(13), Number(14), Text(15), Text(16));
    }
}
