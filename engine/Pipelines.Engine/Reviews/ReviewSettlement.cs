using System.Security.Cryptography;
using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>
/// What every review store does around its SQL, in one place: the id and masking of a new review, the checks a decision
/// must pass, and the review a decision leaves. Stores call these inside the transaction that holds the review.
/// </summary>
internal static class ReviewSettlement
{
    private const string IdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A short id: 10 random characters of lower-case Crockford base32 (50 bits).</summary>
    public static string NewId() => string.Create(10, RandomNumberGenerator.GetBytes(10), static (span, bytes) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = IdAlphabet[bytes[i] & 31];
    });

    /// <summary>How callers may spell an id: any case, spaces around it.</summary>
    public static string NormaliseId(string id) => id.Trim().ToLowerInvariant();

    /// <summary>The draft with the runtime's secrets masked: its title, instructions and samples come from step inputs.</summary>
    public static ReviewDraft Masked(ReviewDraft draft, SecretMask mask) => draft with
    {
        Title = mask.Apply(draft.Title)!,
        Instructions = mask.Apply(draft.Instructions),
        Samples = (System.Text.Json.Nodes.JsonArray)mask.Apply(draft.Samples)!,
    };

    /// <summary>When the review of a draft created at <paramref name="createdAt"/> (unix ms) times out; null: never.</summary>
    public static long? DeadlineAt(ReviewDraft draft, long createdAt) => draft.Deadline is { } d ? createdAt + (long)d.TotalMilliseconds : null;

    /// <summary>Throws <see cref="ReviewRefusedException"/> when <paramref name="who"/> may not record this decision on <paramref name="review"/> (null: not found).</summary>
    public static Review Check(Review? review, string id, ReviewerIdentity who, string decision, IReadOnlyDictionary<string, int> scores)
    {
        if (review is null)
            throw new ReviewRefusedException(ReviewRefusal.NotFound, $"no review with id '{id}'", "list the open reviews to find its id");
        if (review.IsDecided)
            throw new ReviewRefusedException(ReviewRefusal.Conflict, $"review {review.Id} is already {review.Status}; it takes no more decisions");
        if (!ReviewRules.Allows(review.Reviewers, who))
        {
            throw new ReviewRefusedException(ReviewRefusal.NotAllowed, $"'{who.Name}' is not a reviewer of review {review.Id}",
                $"its reviewers are {string.Join(", ", review.Reviewers)}");
        }

        var problems = ReviewRules.Problems(decision, scores, review.Rubric);
        if (problems.Count > 0) throw new ReviewRefusedException(ReviewRefusal.Invalid, string.Join("; ", problems));
        if (review.Decisions.Any(d => d.Reviewer == who.Name))
            throw new ReviewRefusedException(ReviewRefusal.Conflict, $"'{who.Name}' already decided review {review.Id}; each reviewer decides once");
        return review;
    }

    /// <summary>The decision a passed deadline records: the review's <c>on_timeout</c>, by <see cref="ReviewRules.DeadlineReviewer"/>.</summary>
    public static ReviewDecision Deadline(Review review, long at) =>
        new(ReviewRules.DeadlineReviewer, review.OnTimeout, new Dictionary<string, int>(), $"no decision by the deadline (on_timeout: {review.OnTimeout})", at);

    /// <summary>
    /// The review once <paramref name="decision"/> is added: settled when <see cref="ReviewRules.Outcome"/> says so, or
    /// (<paramref name="force"/>, the deadline) by the decision itself.
    /// </summary>
    public static Review With(Review review, ReviewDecision decision, bool force)
    {
        var decisions = review.Decisions.Append(decision).ToList();
        var status = force ? (decision.Decision == ReviewRules.Approve ? Review.Approved : Review.Rejected)
            : ReviewRules.Outcome(decisions, review.Approvals, review.RejectOn);
        return review with { Status = status, DecidedAt = status == Review.Open ? null : decision.At, Decisions = decisions };
    }
}
