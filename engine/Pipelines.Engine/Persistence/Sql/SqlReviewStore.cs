using System.Data.Common;
using Pipelines.Persistence.Rows;
using Pipelines.Reviews;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Sql;

/// <summary>
/// Reviews and their decisions (tables <c>reviews</c>, <c>review_decisions</c>) on SQLite or PostgreSQL. A decision
/// holds the review's lock (<see cref="StoreLock.Review"/>) while it reads the review, checks it and records, so
/// deciders on any number of hosts queue on one review: each sees the decisions before it, none is lost, and only one
/// settles it. The deadline sweep takes the same lock for each review it settles.
/// </summary>
public sealed class SqlReviewStore(StoreDialect database, TimeProvider time) : IReviewStore
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
            """, ct, values);
        return (await ReadAsync(connection, "run_id = $1 AND step_id = $2", ct, draft.RunId, draft.StepId)).Single();
    }

    public async Task<Review?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (await ReadAsync(connection, "id = $1", ct, ReviewSettlement.NormaliseId(id))).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Review>> ListAsync(string? status, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return status switch
        {
            null => await ReadAsync(connection, "1 = 1", ct),
            "decided" => await ReadAsync(connection, "status <> 'open'", ct),
            _ => await ReadAsync(connection, "status = $1", ct, status),
        };
    }

    public async Task<IReadOnlyList<Review>> ListForRunAsync(string runId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadAsync(connection, "run_id = $1", ct, runId);
    }

    public async Task<Review> DecideAsync(string id, ReviewerIdentity who, string decision, IReadOnlyDictionary<string, int> scores, string? comment,
        CancellationToken ct)
    {
        var normalised = ReviewSettlement.NormaliseId(id);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        await database.LockAsync(connection, StoreLock.Review, normalised, ct);
        var found = (await ReadAsync(connection, "id = $1", ct, normalised)).SingleOrDefault();
        var review = ReviewSettlement.Check(found, id, who, decision, scores);
        var decided = await RecordAsync(connection, review, new ReviewDecision(who.Name, decision, scores, comment, time.GetUtcNow().ToUnixTimeMilliseconds()), false, ct);
        await transaction.CommitAsync(ct);
        return decided;
    }

    public async Task<IReadOnlyList<Review>> ExpireDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await database.BeginWriteAsync(connection, ct);
        var expired = new List<Review>();
        foreach (var due in await ReadAsync(connection, "status = 'open' AND deadline_at <= $1", ct, at))
        {
            // Read again under the review's lock: a decider may have settled it since the list was read.
            await database.LockAsync(connection, StoreLock.Review, due.Id, ct);
            if ((await ReadAsync(connection, "id = $1 AND status = 'open'", ct, due.Id)).SingleOrDefault() is { } review)
                expired.Add(await RecordAsync(connection, review, ReviewSettlement.Deadline(review, at), true, ct));
        }

        await transaction.CommitAsync(ct);
        return expired;
    }

    private static async Task<Review> RecordAsync(DbConnection connection, Review review, ReviewDecision decision, bool force, CancellationToken ct)
    {
        await connection.ExecuteAsync($"INSERT INTO review_decisions (review_id, {ReviewRow.DecisionColumns}) VALUES ($1, $2, $3, $4, $5, $6)", ct,
            review.Id, decision.Reviewer, decision.Decision, ReviewRow.Scores(decision), decision.Comment, decision.At);
        var settled = ReviewSettlement.With(review, decision, force);
        if (settled.IsDecided)
            await connection.ExecuteAsync("UPDATE reviews SET status = $1, decided_at = $2 WHERE id = $3", ct, settled.Status, settled.DecidedAt, review.Id);
        return settled;
    }

    /// <summary>Reviews matching <paramref name="where"/>, newest first, with their decisions in the order they were made.</summary>
    private static async Task<IReadOnlyList<Review>> ReadAsync(DbConnection connection, string where, CancellationToken ct, params object?[] values)
    {
        var reviews = await connection.QueryAsync($"SELECT {ReviewRow.Columns} FROM reviews WHERE {where} ORDER BY created_at DESC, id DESC",
            ReviewRow.Read, ct, values);
        for (var i = 0; i < reviews.Count; i++)
        {
            var decisions = await connection.QueryAsync($"SELECT {ReviewRow.DecisionColumns} FROM review_decisions WHERE review_id = $1 ORDER BY at, reviewer",
                ReviewRow.ReadDecision, ct, reviews[i].Id);
            reviews[i] = reviews[i] with { Decisions = decisions };
        }

        return reviews;
    }
}
