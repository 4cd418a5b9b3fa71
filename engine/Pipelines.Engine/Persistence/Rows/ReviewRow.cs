using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Reviews;

namespace Pipelines.Persistence.Rows;

/// <summary>
/// Reviews as both stores keep them: the columns <c>id, run_id, step_id, title, instructions, samples, rubric, reviewers,
/// approvals, reject_on, deadline_at, on_timeout, status, created_at, decided_at</c>, JSON as text, times in unix ms.
/// </summary>
internal static class ReviewRow
{
    public const string Columns = """
        id, run_id, step_id, title, instructions, samples, rubric, reviewers, approvals, reject_on, deadline_at, on_timeout,
        status, created_at, decided_at
        """;

    public const string DecisionColumns = "reviewer, decision, scores, comment, at";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The review without its decisions (read those with <see cref="ReadDecision"/>).</summary>
    public static Review Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        RunId = reader.GetString(1),
        StepId = reader.GetString(2),
        Title = reader.GetString(3),
        Instructions = reader.IsDBNull(4) ? null : reader.GetString(4),
        Samples = JsonNode.Parse(reader.GetString(5)) as JsonArray ?? [],
        Rubric = JsonSerializer.Deserialize<List<ReviewCriterion>>(reader.GetString(6), Json) ?? [],
        Reviewers = JsonSerializer.Deserialize<List<string>>(reader.GetString(7), Json) ?? [],
        Approvals = reader.GetInt32(8),
        RejectOn = reader.GetString(9),
        DeadlineAt = reader.IsDBNull(10) ? null : reader.GetInt64(10),
        OnTimeout = reader.GetString(11),
        Status = reader.GetString(12),
        CreatedAt = reader.GetInt64(13),
        DecidedAt = reader.IsDBNull(14) ? null : reader.GetInt64(14),
    };

    public static ReviewDecision ReadDecision(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(2), Json) ?? [],
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetInt64(4));

    /// <summary>Positional parameters for <see cref="Values"/>, <c>$1</c> to <c>$15</c>: both SQLite and Npgsql read them.</summary>
    public static readonly string Placeholders = string.Join(", ", Enumerable.Range(1, 15).Select(i => $"${i}"));

    /// <summary>The values of a new review's columns, in <see cref="Columns"/> order.</summary>
    public static object?[] Values(string id, ReviewDraft masked, long now) =>
    [
        id, masked.RunId, masked.StepId, masked.Title, masked.Instructions, masked.Samples.ToJsonString(),
        JsonSerializer.Serialize(masked.Rubric, Json), JsonSerializer.Serialize(masked.Reviewers, Json), masked.Approvals, masked.RejectOn,
        ReviewSettlement.DeadlineAt(masked, now), masked.OnTimeout, Review.Open, now, null,
    ];

    public static string Scores(ReviewDecision decision) => JsonSerializer.Serialize(decision.Scores, Json);
}
