using Pipelines.Reviews;

namespace Pipelines.Engine.Tests.Reviews;

public sealed class ReviewRulesTests
{
    private static ReviewDecision D(string who, string decision) => new(who, decision, new Dictionary<string, int>(), null, 0);

    [Fact]
    public void Reject_on_any_rejects_at_the_first_reject()
    {
        Assert.Equal(Review.Rejected, ReviewRules.Outcome([D("a", "approve"), D("b", "reject")], approvals: 3, ReviewRules.RejectOnAny));
        Assert.Equal(Review.Open, ReviewRules.Outcome([D("a", "approve")], approvals: 2, ReviewRules.RejectOnAny));
        Assert.Equal(Review.Approved, ReviewRules.Outcome([D("a", "approve"), D("b", "approve")], approvals: 2, ReviewRules.RejectOnAny));
    }

    [Fact]
    public void Reject_on_majority_needs_a_quorum_of_approvals_decisions_and_more_than_half_rejects()
    {
        Assert.Equal(Review.Open, ReviewRules.Outcome([D("a", "reject")], approvals: 2, ReviewRules.RejectOnMajority));
        Assert.Equal(Review.Open, ReviewRules.Outcome([D("a", "reject"), D("b", "approve")], approvals: 2, ReviewRules.RejectOnMajority));
        Assert.Equal(Review.Approved, ReviewRules.Outcome([D("a", "reject"), D("b", "approve"), D("c", "approve")], approvals: 2, ReviewRules.RejectOnMajority));
        Assert.Equal(Review.Rejected, ReviewRules.Outcome([D("a", "reject"), D("b", "reject")], approvals: 2, ReviewRules.RejectOnMajority));
        Assert.Equal(Review.Rejected, ReviewRules.Outcome([D("a", "reject")], approvals: 1, ReviewRules.RejectOnMajority));
    }

    [Fact]
    public void Reviewers_are_names_or_roles_and_an_empty_list_or_the_local_caller_is_accepted()
    {
        IReadOnlyList<string> reviewers = ["alice", "role:reviewer"];
        Assert.True(ReviewRules.Allows(reviewers, new ReviewerIdentity("alice", [])));
        Assert.True(ReviewRules.Allows(reviewers, new ReviewerIdentity("bob", ["reviewer"])));
        Assert.True(ReviewRules.Allows(reviewers, new ReviewerIdentity("root", ["admin"])));
        Assert.False(ReviewRules.Allows(reviewers, new ReviewerIdentity("carol", ["operator"])));
        Assert.False(ReviewRules.Allows(["alice"], new ReviewerIdentity("bob", ["reviewer"])));
        Assert.True(ReviewRules.Allows(["alice"], ReviewerIdentity.Local));
        Assert.True(ReviewRules.Allows([], new ReviewerIdentity("anyone", [])));
    }

    [Fact]
    public void A_decision_names_every_problem()
    {
        var problems = ReviewRules.Problems("maybe", new Dictionary<string, int> { ["coherence"] = 6, ["style"] = 3 }, ReviewRules.DefaultRubric);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("'maybe'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("coherence must be 1 to 5, not 6", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'style' is not a criterion", StringComparison.Ordinal));
    }
}
