using System.Text.Json.Nodes;

namespace Pipelines.Reviews;

/// <summary>One rubric criterion, scored 1 (poor) to 5 (excellent).</summary>
public sealed record ReviewCriterion(string Name, string? Description = null);

/// <summary>What <c>gate.human</c> asks for: the review of one step of one run.</summary>
public sealed record ReviewDraft
{
    public required string RunId { get; init; }

    public required string StepId { get; init; }

    public required string Title { get; init; }

    public string? Instructions { get; init; }

    /// <summary>What the reviewers look at: <c>[{input, output, reference?}]</c>, stored as given.</summary>
    public JsonArray Samples { get; init; } = [];

    public IReadOnlyList<ReviewCriterion> Rubric { get; init; } = ReviewRules.DefaultRubric;

    /// <summary>Who may decide: token names (<c>alice</c>) and roles (<c>role:reviewer</c>); empty: anyone who may review.</summary>
    public IReadOnlyList<string> Reviewers { get; init; } = [];

    public int Approvals { get; init; } = 1;

    /// <summary><c>any</c> or <c>majority</c>; see <see cref="ReviewRules.Outcome"/>.</summary>
    public string RejectOn { get; init; } = ReviewRules.RejectOnAny;

    /// <summary>How long the review stays open; null: until decided.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary><c>reject</c> or <c>approve</c>: what the deadline decides when the decisions have not.</summary>
    public string OnTimeout { get; init; } = ReviewRules.Reject;
}

/// <summary>One reviewer's decision; scores are criterion → 1..5. The deadline decides as reviewer <c>(deadline)</c>.</summary>
public sealed record ReviewDecision(string Reviewer, string Decision, IReadOnlyDictionary<string, int> Scores, string? Comment, long At);

/// <summary>A stored review with its decisions so far. Times are unix milliseconds.</summary>
public sealed record Review
{
    public const string Open = "open";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public required string Id { get; init; }

    public required string RunId { get; init; }

    public required string StepId { get; init; }

    public required string Title { get; init; }

    public string? Instructions { get; init; }

    public required JsonArray Samples { get; init; }

    public required IReadOnlyList<ReviewCriterion> Rubric { get; init; }

    public required IReadOnlyList<string> Reviewers { get; init; }

    public required int Approvals { get; init; }

    public required string RejectOn { get; init; }

    public long? DeadlineAt { get; init; }

    public required string OnTimeout { get; init; }

    /// <summary><see cref="Open"/>, <see cref="Approved"/> or <see cref="Rejected"/>.</summary>
    public required string Status { get; init; }

    public required long CreatedAt { get; init; }

    public long? DecidedAt { get; init; }

    /// <summary>In the order they were made.</summary>
    public IReadOnlyList<ReviewDecision> Decisions { get; init; } = [];

    public bool IsDecided => Status != Open;
}
