using Microsoft.Data.Sqlite;
using Pipelines.Persistence.Rows;
using Pipelines.Reviews;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sqlite;

/// <summary>
/// Reviews and their decisions in the embedded store (tables of migration 4). A decision takes SQLite's write lock before
/// it reads the review (<c>BEGIN IMMEDIATE</c>), so the review it checks cannot change before the decision is written.
/// </summary>
public sealed class SqliteReviewStore(SqliteDatabase database, TimeProvider time) : IReviewStore
{
    /// <summary>The runtime's secrets, masked in what a review shows.</summary>
    internal SecretMask Mask { get; init; } = SecretMask.None;

    public async Task<Review> CreateAsync(ReviewDraft draft, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var values = ReviewRow.Values(ReviewSettlement.NewId(), ReviewSettlement.Masked(draft, Mask), time.GetUtcNow().ToUnixTimeMilliseconds());
        await connection.ExecuteAsync($"""
            INSERT INTO reviews ({ReviewRow.Columns}) VALUES ({ReviewRow.Placeholders})
            ON CONFLICT (run_id, step_id) DO NOTHING
            """, ct, [.. values.Select((v, i) => ($"${i + 1}", v))]);
        return (await ReadAsync(connection, "run_id = $run AND step_id = $step", ct, ("$run", draft.RunId), ("$step", draft.StepId))).Single();
    }

    public async Task<Review?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (await ReadAsync(connection, "id = $id", ct, ("$id", ReviewSettlement.NormaliseId(id)))).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Review>> ListAsync(string? status, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return status switch
        {
            null => await ReadAsync(connection, "1 = 1", ct),
            "decided" => await ReadAsync(connection, "status <> 'open'", ct),
            _ => await ReadAsync(connection, "status = $status", ct, ("$status", status)),
        };
    }

    public async Task<IReadOnlyList<Review>> ListForRunAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadAsync(connection, "run_id = $run", ct, ("$run", runId));
    }

    public async Task<Review> DecideAsync(string id, ReviewerIdentity who, string decision, IReadOnlyDictionary<string, int> scores, string? comment,
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var found = (await ReadAsync(connection, "id = $id", ct, ("$id", ReviewSettlement.NormaliseId(id)))).SingleOrDefault();
        var review = ReviewSettlement.Check(found, id, who, decision, scores);
        var decided = await RecordAsync(connection, review, new ReviewDecision(who.Name, decision, scores, comment, time.GetUtcNow().ToUnixTimeMilliseconds()), false, ct);
        await transaction.CommitAsync(ct);
        return decided;
    }

    public async Task<IReadOnlyList<Review>> ExpireDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var expired = new List<Review>();
        foreach (var review in await ReadAsync(connection, "status = 'open' AND deadline_at <= $now", ct, ("$now", at)))
            expired.Add(await RecordAsync(connection, review, ReviewSettlement.Deadline(review, at), true, ct));

        await transaction.CommitAsync(ct);
        return expired;
    }

    private static async Task<Review> RecordAsync(SqliteConnection connection, Review review, ReviewDecision decision, bool force, CancellationToken ct)
    {
        await connection.ExecuteAsync("""
            INSERT INTO review_decisions (review_id, reviewer, decision, scores, comment, at) VALUES ($id, $reviewer, $decision, $scores, $comment, $at)
            """, ct, ("$id", review.Id), ("$reviewer", decision.Reviewer), ("$decision", decision.Decision),
            ("$scores", ReviewRow.Scores(decision)), ("$comment", decision.Comment), ("$at", decision.At));
        var settled = ReviewSettlement.With(review, decision, force);
        if (settled.IsDecided)
        {
            await connection.ExecuteAsync("UPDATE reviews SET status = $status, decided_at = $at WHERE id = $id", ct,
                ("$status", settled.Status), ("$at", settled.DecidedAt), ("$id", review.Id));
        }

        return settled;
    }

    private static async Task<IReadOnlyList<Review>> ReadAsync(SqliteConnection connection, string where, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        var reviews = new List<Review>();
        await using (var command = connection.Command($"SELECT {ReviewRow.Columns} FROM reviews WHERE {where} ORDER BY created_at DESC, id DESC", parameters))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) reviews.Add(ReviewRow.Read(reader));
        }

        for (var i = 0; i < reviews.Count; i++)
        {
            reviews[i] = reviews[i] with { Decisions = await DecisionsAsync(connection, reviews[i].Id, ct) };
        }

        return reviews;
    }

    private static async Task<IReadOnlyList<ReviewDecision>> DecisionsAsync(SqliteConnection connection, string reviewId, CancellationToken ct)
    {
        await using var command = connection.Command(
            $"SELECT {ReviewRow.DecisionColumns} FROM review_decisions WHERE review_id = $id ORDER BY at, reviewer", ("$id", reviewId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var decisions = new List<ReviewDecision>();
        while (await reader.ReadAsync(ct)) decisions.Add(ReviewRow.ReadDecision(reader));
        return decisions;
    }
}
