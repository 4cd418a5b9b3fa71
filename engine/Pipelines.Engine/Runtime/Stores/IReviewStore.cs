using Pipelines.Reviews;

namespace Pipelines.Runtime.Stores;

/// <summary>
/// Human reviews (<c>gate.human</c>) and their decisions. Creating is idempotent per (run, step); every decision is one
/// atomic change that records it and settles the review when <see cref="ReviewRules.Outcome"/> says so, so concurrent
/// deciders, in one process or several, never both win and no decision is lost.
/// </summary>
public interface IReviewStore
{
    /// <summary>Creates the review of the draft's step, or returns the one that step already has.</summary>
    Task<Review> CreateAsync(ReviewDraft draft, CancellationToken ct);

    /// <summary>The review with that id (case-insensitive), with its decisions; null when there is none.</summary>
    Task<Review?> GetAsync(string id, CancellationToken ct);

    /// <summary>Reviews, newest first: <c>open</c> ones, decided ones (<c>decided</c>: approved or rejected), or all (null).</summary>
    Task<IReadOnlyList<Review>> ListAsync(string? status, CancellationToken ct);

    /// <summary>The reviews of one run, newest first, in any status.</summary>
    Task<IReadOnlyList<Review>> ListForRunAsync(string runId, CancellationToken ct);

    /// <summary>
    /// Records <paramref name="who"/>'s decision and settles the review when <see cref="ReviewRules.Outcome"/> says so;
    /// returns the review as it now stands. Throws <see cref="ReviewRefusedException"/> when the decision is refused.
    /// </summary>
    Task<Review> DecideAsync(string id, ReviewerIdentity who, string decision, IReadOnlyDictionary<string, int> scores, string? comment,
        CancellationToken ct);

    /// <summary>
    /// Settles every open review whose deadline is at or before <paramref name="now"/> with its <c>on_timeout</c>,
    /// recorded as a decision by <see cref="ReviewRules.DeadlineReviewer"/>; returns the reviews it settled.
    /// </summary>
    Task<IReadOnlyList<Review>> ExpireDueAsync(DateTimeOffset now, CancellationToken ct);
}
