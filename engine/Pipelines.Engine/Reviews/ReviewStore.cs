using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Reviews;

/// <summary>
/// Reviews and their decisions in the store. Creating is idempotent per (run, step); every decision is one
/// transaction that records it and settles the review when the rules say so, so concurrent deciders never both win.
/// </summary>
public sealed class ReviewStore(SqliteDatabase database, TimeProvider time)
{
    private const string Columns = """
        id, run_id, step_id, title, instructions, samples, rubric, reviewers, approvals, reject_on, deadline_at, on_timeout,
        status, created_at, decided_at
        """;

    private const string IdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The runtime's secrets, masked in what a review shows: its title, instructions and samples come from step inputs.</summary>
    internal Runtime.SecretMask Mask { get; init; } = Runtime.SecretMask.None;

    /// <summary>Creates the review of the draft's step, or returns the one that step already has.</summary>
    public async Task<Review> CreateAsync(ReviewDraft draft, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync($"""
            INSERT INTO reviews ({Columns})
            VALUES ($id, $run, $step, $title, $instructions, $samples, $rubric, $reviewers, $approvals, $rejectOn, $deadline, $onTimeout, 'open', $now, NULL)
            ON CONFLICT (run_id, step_id) DO NOTHING
            """, ct,
            ("$id", NewId()), ("$run", draft.RunId), ("$step", draft.StepId), ("$title", Mask.Apply(draft.Title)), ("$instructions", Mask.Apply(draft.Instructions)),
            ("$samples", Mask.Apply(draft.Samples)!.ToJsonString()), ("$rubric", JsonSerializer.Serialize(draft.Rubric, Json)),
            ("$reviewers", JsonSerializer.Serialize(draft.Reviewers, Json)), ("$approvals", draft.Approvals), ("$rejectOn", draft.RejectOn),
            ("$deadline", draft.Deadline is { } d ? now + (long)d.TotalMilliseconds : null), ("$onTimeout", draft.OnTimeout), ("$now", now));
        return (await ReadAsync(connection, "run_id = $run AND step_id = $step", ct, ("$run", draft.RunId), ("$step", draft.StepId))).Single();
    }

    /// <summary>The review with that id (case-insensitive), with its decisions; null when there is none.</summary>
    public async Task<Review?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return (await ReadAsync(connection, "id = $id", ct, ("$id", id.Trim().ToLowerInvariant()))).SingleOrDefault();
    }

    /// <summary>Reviews, newest first: <c>open</c> ones, decided ones (<c>decided</c>: approved or rejected), or all (null).</summary>
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

    /// <summary>
    /// Records <paramref name="who"/>'s decision and settles the review when <see cref="ReviewRules.Outcome"/> says so;
    /// returns the review as it now stands. Throws <see cref="ReviewRefusedException"/> when the decision is refused.
    /// </summary>
    public async Task<Review> DecideAsync(string id, ReviewerIdentity who, string decision, IReadOnlyDictionary<string, int> scores, string? comment,
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        // IMMEDIATE: the write lock first, so the review read below cannot change before the decision is written.
        await using var transaction = connection.BeginTransaction(deferred: false);
        var review = (await ReadAsync(connection, "id = $id", ct, ("$id", id.Trim().ToLowerInvariant()))).SingleOrDefault()
                     ?? throw new ReviewRefusedException(ReviewRefusal.NotFound, $"no review with id '{id}'", "list the open reviews to find its id");
        if (review.IsDecided)
        {
            throw new ReviewRefusedException(ReviewRefusal.Conflict, $"review {review.Id} is already {review.Status}; it takes no more decisions");
        }

        if (!ReviewRules.Allows(review.Reviewers, who))
        {
            throw new ReviewRefusedException(ReviewRefusal.NotAllowed, $"'{who.Name}' is not a reviewer of review {review.Id}",
                $"its reviewers are {string.Join(", ", review.Reviewers)}");
        }

        var problems = ReviewRules.Problems(decision, scores, review.Rubric);
        if (problems.Count > 0) throw new ReviewRefusedException(ReviewRefusal.Invalid, string.Join("; ", problems));
        if (review.Decisions.Any(d => d.Reviewer == who.Name))
        {
            throw new ReviewRefusedException(ReviewRefusal.Conflict, $"'{who.Name}' already decided review {review.Id}; each reviewer decides once");
        }

        var decided = await RecordAsync(connection, review, new ReviewDecision(who.Name, decision, scores, comment, time.GetUtcNow().ToUnixTimeMilliseconds()), ct);
        await transaction.CommitAsync(ct);
        return decided;
    }

    /// <summary>
    /// Settles every open review whose deadline is at or before <paramref name="now"/> with its <c>on_timeout</c>,
    /// recorded as a decision by <see cref="ReviewRules.DeadlineReviewer"/>; returns the reviews it settled.
    /// </summary>
    public async Task<IReadOnlyList<Review>> ExpireDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var expired = new List<Review>();
        foreach (var review in await ReadAsync(connection, "status = 'open' AND deadline_at <= $now", ct, ("$now", at)))
        {
            var comment = $"no decision by the deadline (on_timeout: {review.OnTimeout})";
            var settled = await RecordAsync(connection, review,
                new ReviewDecision(ReviewRules.DeadlineReviewer, review.OnTimeout, new Dictionary<string, int>(), comment, at), ct, force: true);
            expired.Add(settled);
        }

        await transaction.CommitAsync(ct);
        return expired;
    }

    /// <summary>Decided reviews whose step still waits on its bookmark (its resumption was lost, e.g. to a crash).</summary>
    public async Task<IReadOnlyList<Review>> DecidedButWaitingAsync(string bookmark, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        return await ReadAsync(connection, """
            status <> 'open' AND EXISTS (SELECT 1 FROM step_chunks c, json_each(c.steps) s
                                         WHERE c.run_id = reviews.run_id AND s.value ->> 'id' = reviews.step_id
                                           AND s.value ->> 'status' = 'waiting' AND s.value ->> 'bookmark' = $bookmark)
            """, ct, ("$bookmark", bookmark));
    }

    private static async Task<Review> RecordAsync(SqliteConnection connection, Review review, ReviewDecision decision, CancellationToken ct, bool force = false)
    {
        await connection.ExecuteAsync("""
            INSERT INTO review_decisions (review_id, reviewer, decision, scores, comment, at) VALUES ($id, $reviewer, $decision, $scores, $comment, $at)
            """, ct, ("$id", review.Id), ("$reviewer", decision.Reviewer), ("$decision", decision.Decision),
            ("$scores", JsonSerializer.Serialize(decision.Scores, Json)), ("$comment", decision.Comment), ("$at", decision.At));
        var decisions = review.Decisions.Append(decision).ToList();
        var status = force ? (decision.Decision == ReviewRules.Approve ? Review.Approved : Review.Rejected)
            : ReviewRules.Outcome(decisions, review.Approvals, review.RejectOn);
        if (status != Review.Open)
        {
            await connection.ExecuteAsync("UPDATE reviews SET status = $status, decided_at = $at WHERE id = $id", ct,
                ("$status", status), ("$at", decision.At), ("$id", review.Id));
        }

        return review with { Status = status, DecidedAt = status == Review.Open ? null : decision.At, Decisions = decisions };
    }

    private static async Task<IReadOnlyList<Review>> ReadAsync(SqliteConnection connection, string where, CancellationToken ct,
        params (string Name, object? Value)[] parameters)
    {
        var reviews = new List<Review>();
        await using (var command = connection.Command($"SELECT {Columns} FROM reviews WHERE {where} ORDER BY created_at DESC, id DESC", parameters))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                reviews.Add(new Review
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
                });
            }
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
            "SELECT reviewer, decision, scores, comment, at FROM review_decisions WHERE review_id = $id ORDER BY at, reviewer", ("$id", reviewId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var decisions = new List<ReviewDecision>();
        while (await reader.ReadAsync(ct))
        {
            decisions.Add(new ReviewDecision(reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(2), Json) ?? [],
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4)));
        }

        return decisions;
    }

    /// <summary>A short id: 10 random characters of lower-case Crockford base32 (50 bits).</summary>
    private static string NewId() => string.Create(10, RandomNumberGenerator.GetBytes(10), static (span, bytes) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = IdAlphabet[bytes[i] & 31];
    });
}
