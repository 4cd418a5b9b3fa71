using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>
/// Turns decisions into run progress: records a decision and, when it settles the review, resumes the waiting
/// <c>gate.human</c> step on <see cref="Bookmark"/> with the review as payload. The API, the CLI and the deadline
/// sweep all go through here.
/// </summary>
public static class ReviewResolution
{
    /// <summary>The bookmark <c>gate.human</c> waits on.</summary>
    public const string Bookmark = "review";

    /// <summary>Records the decision; when it settles the review the step is resumed. Returns the review as it now stands.</summary>
    public static async Task<Review> DecideAsync(RunEngine engine, string reviewId, ReviewerIdentity who, string decision,
        IReadOnlyDictionary<string, int> scores, string? comment, CancellationToken ct)
    {
        var review = await engine.Reviews().DecideAsync(reviewId, who, decision, scores, comment, ct);
        if (review.IsDecided) await ResumeAsync(engine, review, ct);
        return review;
    }

    /// <summary>
    /// Settles the reviews whose deadline passed by <paramref name="now"/> (their <c>on_timeout</c>) and resumes every
    /// decided review whose step still waits. Returns the ids of the runs it resumed.
    /// </summary>
    /// <remarks>
    /// A decision whose resumption was lost (a crash between the two) leaves its run waiting: a run whose only steps
    /// left wait on bookmarks is stored as <c>waiting</c>, also after another process takes it over. So the waiting runs
    /// are where to look, and the review store, which may live in another database than the runs, needs no join.
    /// </remarks>
    public static async Task<IReadOnlyList<string>> SweepAsync(RunEngine engine, DateTimeOffset now, CancellationToken ct)
    {
        await engine.Reviews().ExpireDueAsync(now, ct);
        var resumed = new List<string>();
        foreach (var run in await engine.Runs.ListRunsAsync(null, RunStatus.Waiting.Name(), int.MaxValue, ct))
        {
            foreach (var review in await engine.Reviews().ListForRunAsync(run.Id, ct))
            {
                if (review.IsDecided && await ResumeAsync(engine, review, ct)) resumed.Add(review.RunId);
            }
        }

        return resumed;
    }

    /// <summary>Resumes the review's step with the review's JSON; false when the step does not wait (yet, or any more).</summary>
    public static Task<bool> ResumeAsync(RunEngine engine, Review review, CancellationToken ct) =>
        engine.ResumeBookmarkAsync(review.RunId, review.StepId, Bookmark, (JsonNode)ReviewJson.Review(review), ct);
}
