namespace Pipelines.Reviews;

/// <summary>
/// The pure rules of a review: who may decide, what a decision may hold, and when the decisions so far settle it.
/// </summary>
public static class ReviewRules
{
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string RejectOnAny = "any";
    public const string RejectOnMajority = "majority";
    public const string RolePrefix = "role:";
    public const int MinScore = 1;
    public const int MaxScore = 5;

    /// <summary>The reviewer name under which a passed deadline records its decision.</summary>
    public const string DeadlineReviewer = "(deadline)";

    public static IReadOnlyList<ReviewCriterion> DefaultRubric { get; } =
    [
        new("coherence", "Is the output well-formed and internally consistent?"),
        new("relevance", "Does it answer the input?"),
        new("factual_accuracy", "Is what it states true (against the reference, when given)?"),
        new("helpfulness", "Would it help the person who asked?"),
    ];

    /// <summary>
    /// Whether <paramref name="who"/> may decide: an empty list accepts everyone who may review; otherwise an entry
    /// must be the caller's name, or <c>role:R</c> for a role R the caller holds (<c>admin</c> holds every role).
    /// </summary>
    public static bool Allows(IReadOnlyList<string> reviewers, ReviewerIdentity who) =>
        who.AcceptedByAnyList || reviewers.Count == 0 || reviewers.Any(entry => entry.StartsWith(RolePrefix, StringComparison.Ordinal)
            ? who.Roles.Contains(entry[RolePrefix.Length..]) || who.Roles.Contains("admin")
            : string.Equals(entry, who.Name, StringComparison.Ordinal));

    /// <summary>Every problem with a decision against <paramref name="rubric"/>; empty when it may be recorded.</summary>
    public static IReadOnlyList<string> Problems(string decision, IReadOnlyDictionary<string, int> scores, IReadOnlyList<ReviewCriterion> rubric)
    {
        var problems = new List<string>();
        if (decision is not (Approve or Reject)) problems.Add($"decision must be '{Approve}' or '{Reject}', not '{decision}'");
        foreach (var (criterion, score) in scores)
        {
            if (rubric.All(c => c.Name != criterion))
            {
                problems.Add($"'{criterion}' is not a criterion of this review; its rubric is {string.Join(", ", rubric.Select(c => c.Name))}");
            }
            else if (score is < MinScore or > MaxScore)
            {
                problems.Add($"the score for {criterion} must be {MinScore} to {MaxScore}, not {score}");
            }
        }

        return problems;
    }

    /// <summary>
    /// What the decisions so far make of the review. Rejection is checked first:
    /// <c>reject_on: any</c> rejects on the first reject; <c>reject_on: majority</c> rejects once at least
    /// <paramref name="approvals"/> decisions are in and strictly more than half of them are rejects. Otherwise the
    /// review is approved once <paramref name="approvals"/> reviewers approved, and stays open until then.
    /// </summary>
    public static string Outcome(IReadOnlyCollection<ReviewDecision> decisions, int approvals, string rejectOn)
    {
        var rejects = decisions.Count(d => d.Decision == Reject);
        var approves = decisions.Count - rejects;
        var rejected = rejectOn == RejectOnMajority
            ? decisions.Count >= approvals && rejects * 2 > decisions.Count
            : rejects > 0;
        if (rejected) return Review.Rejected;
        return approves >= approvals ? Review.Approved : Review.Open;
    }

    /// <summary>The mean score of each criterion over the decisions that scored it (criteria nobody scored are left out).</summary>
    public static IReadOnlyDictionary<string, double> MeanScores(IEnumerable<ReviewDecision> decisions, IReadOnlyList<ReviewCriterion> rubric)
    {
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var criterion in rubric)
        {
            var given = decisions.Where(d => d.Scores.ContainsKey(criterion.Name)).Select(d => (double)d.Scores[criterion.Name]).ToList();
            if (given.Count > 0) means[criterion.Name] = given.Average();
        }

        return means;
    }

    /// <summary>
    /// Krippendorff's alpha (interval) of the reviewers' scores, each criterion a unit and each reviewer a coder; null
    /// unless two or more reviewers scored.
    /// </summary>
    public static double? Agreement(IReadOnlyCollection<ReviewDecision> decisions, IReadOnlyList<ReviewCriterion> rubric)
    {
        var scorers = decisions.Where(d => d.Scores.Count > 0).ToList();
        if (scorers.Count < 2) return null;
        var units = rubric.Select(c => scorers.Where(d => d.Scores.ContainsKey(c.Name)).Select(d => (double)d.Scores[c.Name]).ToList()).ToList();
        return KrippendorffAlpha.Interval(units);
    }
}
