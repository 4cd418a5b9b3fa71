using System.Text.Json.Nodes;
using Pipelines.Reviews;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The rules of <see cref="IReviewStore"/>, on each store: idempotent creation, decisions, deadlines, concurrent deciders.</summary>
public abstract class ReviewStoreContract(StoreTarget target) : StoreContract(target)
{
    private static ReviewerIdentity Reviewer(string name) => new(name, ["reviewer"]);

    private static ReviewDraft Draft(string run = "run-1", int approvals = 1, TimeSpan? deadline = null, string rejectOn = ReviewRules.RejectOnAny) => new()
    {
        RunId = run,
        StepId = "review",
        Title = "Subject lines of model 3",
        Instructions = "Check tone.",
        Samples = [new JsonObject { ["input"] = "numbers for Q3", ["output"] = "Re: Q3 numbers" }],
        Reviewers = ["role:reviewer"],
        Approvals = approvals,
        RejectOn = rejectOn,
        Deadline = deadline,
    };

    [Fact]
    public async Task Creating_a_review_twice_for_one_step_returns_the_first()
    {
        var reviews = (await OpenAsync()).Reviews;

        var first = await reviews.CreateAsync(Draft(deadline: TimeSpan.FromHours(1)), Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        var again = await reviews.CreateAsync(Draft() with { Title = "another title" }, Ct);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(("Subject lines of model 3", Review.Open, Start.ToUnixTimeMilliseconds()), (again.Title, again.Status, again.CreatedAt));
        Assert.Equal(Start.AddHours(1).ToUnixTimeMilliseconds(), again.DeadlineAt);
        Assert.Equal("""[{"input":"numbers for Q3","output":"Re: Q3 numbers"}]""", again.Samples.ToJsonString());
        Assert.Equal(ReviewRules.DefaultRubric, again.Rubric);
        Assert.Equal(["role:reviewer"], again.Reviewers);
        Assert.Matches("^[0-9a-z]{10}$", first.Id);
    }

    [Fact]
    public async Task Reviews_are_found_by_id_in_any_case_by_status_and_by_run()
    {
        var reviews = (await OpenAsync()).Reviews;
        var older = await reviews.CreateAsync(Draft("run-1"), Ct);
        Time.Advance(TimeSpan.FromSeconds(1));
        var newer = await reviews.CreateAsync(Draft("run-2"), Ct);
        await reviews.DecideAsync(older.Id, Reviewer("alice"), ReviewRules.Approve, new Dictionary<string, int>(), null, Ct);

        Assert.Equal(newer.Id, (await reviews.GetAsync($" {newer.Id.ToUpperInvariant()} ", Ct))?.Id);
        Assert.Null(await reviews.GetAsync("0000000000", Ct));
        Assert.Equal([newer.Id, older.Id], (await reviews.ListAsync(null, Ct)).Select(r => r.Id));
        Assert.Equal([newer.Id], (await reviews.ListAsync(Review.Open, Ct)).Select(r => r.Id));
        Assert.Equal([older.Id], (await reviews.ListAsync("decided", Ct)).Select(r => r.Id));
        Assert.Equal([older.Id], (await reviews.ListAsync(Review.Approved, Ct)).Select(r => r.Id));
        Assert.Equal([older.Id], (await reviews.ListForRunAsync("run-1", Ct)).Select(r => r.Id));
        Assert.Empty(await reviews.ListForRunAsync("run-9", Ct));
    }

    [Fact]
    public async Task Decisions_are_recorded_in_order_and_settle_the_review_when_enough_approve()
    {
        var reviews = (await OpenAsync()).Reviews;
        var review = await reviews.CreateAsync(Draft(approvals: 2), Ct);

        var afterOne = await reviews.DecideAsync(review.Id, Reviewer("alice"), ReviewRules.Approve, new Dictionary<string, int> { ["coherence"] = 4 }, "fine", Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        var afterTwo = await reviews.DecideAsync(review.Id, Reviewer("bob"), ReviewRules.Approve, new Dictionary<string, int>(), null, Ct);

        Assert.Equal(Review.Open, afterOne.Status);
        Assert.Equal((Review.Approved, Start.AddMinutes(1).ToUnixTimeMilliseconds()), (afterTwo.Status, afterTwo.DecidedAt));
        var stored = (await reviews.GetAsync(review.Id, Ct))!;
        Assert.Equal((Review.Approved, afterTwo.DecidedAt), (stored.Status, stored.DecidedAt));
        Assert.Equal(["alice", "bob"], stored.Decisions.Select(d => d.Reviewer));
        Assert.Equal(4, stored.Decisions[0].Scores["coherence"]);
        Assert.Equal("fine", stored.Decisions[0].Comment);
    }

    [Fact]
    public async Task Refused_decisions_say_why_and_leave_no_trace()
    {
        var reviews = (await OpenAsync()).Reviews;
        var review = await reviews.CreateAsync(Draft(approvals: 2), Ct);
        await reviews.DecideAsync(review.Id, Reviewer("alice"), ReviewRules.Approve, new Dictionary<string, int>(), null, Ct);

        async Task<ReviewRefusal> Refused(string id, ReviewerIdentity who, string decision, int score = 3) =>
            (await Assert.ThrowsAsync<ReviewRefusedException>(() =>
                reviews.DecideAsync(id, who, decision, new Dictionary<string, int> { ["coherence"] = score }, null, Ct))).Reason;

        Assert.Equal(ReviewRefusal.NotFound, await Refused("nosuchid00", Reviewer("bob"), ReviewRules.Approve));
        Assert.Equal(ReviewRefusal.NotAllowed, await Refused(review.Id, new ReviewerIdentity("mallory", []), ReviewRules.Approve));
        Assert.Equal(ReviewRefusal.Invalid, await Refused(review.Id, Reviewer("bob"), "maybe"));
        Assert.Equal(ReviewRefusal.Invalid, await Refused(review.Id, Reviewer("bob"), ReviewRules.Approve, score: 9));
        Assert.Equal(ReviewRefusal.Conflict, await Refused(review.Id, Reviewer("alice"), ReviewRules.Reject));
        await reviews.DecideAsync(review.Id, Reviewer("bob"), ReviewRules.Reject, new Dictionary<string, int>(), null, Ct);
        Assert.Equal(ReviewRefusal.Conflict, await Refused(review.Id, Reviewer("carol"), ReviewRules.Approve));
        Assert.Equal(["alice", "bob"], (await reviews.GetAsync(review.Id, Ct))!.Decisions.Select(d => d.Reviewer));
    }

    [Fact]
    public async Task A_passed_deadline_settles_open_reviews_with_their_on_timeout_once()
    {
        var reviews = (await OpenAsync()).Reviews;
        var due = await reviews.CreateAsync(Draft("run-1", deadline: TimeSpan.FromHours(1)) with { OnTimeout = ReviewRules.Approve }, Ct);
        var later = await reviews.CreateAsync(Draft("run-2", deadline: TimeSpan.FromHours(3)), Ct);
        await reviews.CreateAsync(Draft("run-3"), Ct);

        Assert.Empty(await reviews.ExpireDueAsync(Start.AddMinutes(59), Ct));
        var expired = await reviews.ExpireDueAsync(Start.AddHours(1), Ct);

        var settled = Assert.Single(expired);
        Assert.Equal((due.Id, Review.Approved), (settled.Id, settled.Status));
        Assert.Equal(ReviewRules.DeadlineReviewer, Assert.Single((await reviews.GetAsync(due.Id, Ct))!.Decisions).Reviewer);
        Assert.Empty(await reviews.ExpireDueAsync(Start.AddHours(2), Ct));
        var rejected = Assert.Single(await reviews.ExpireDueAsync(Start.AddHours(3), Ct));
        Assert.Equal((later.Id, Review.Rejected), (rejected.Id, rejected.Status));
        Assert.Single(await reviews.ListAsync(Review.Open, Ct));
    }

    [Fact]
    public async Task Concurrent_deciders_on_several_hosts_lose_no_decision_and_settle_the_review_once()
    {
        var reviews = (await OpenAsync()).Reviews;
        var review = await reviews.CreateAsync(Draft(approvals: 12), Ct);
        var hosts = new List<IReviewStore>();
        for (var i = 0; i < 4; i++) hosts.Add((await OpenAsync()).Reviews);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            hosts[i % hosts.Count].DecideAsync(review.Id, Reviewer($"r{i:00}"), ReviewRules.Approve, new Dictionary<string, int>(), null, Ct))));

        Assert.Single(results, r => r.IsDecided);
        Assert.Equal(Enumerable.Range(1, 12), results.Select(r => r.Decisions.Count).Order());
        var stored = (await reviews.GetAsync(review.Id, Ct))!;
        Assert.Equal(Review.Approved, stored.Status);
        Assert.Equal(12, stored.Decisions.Count);
    }

    [Fact]
    public async Task A_decider_racing_the_deadline_either_decides_or_finds_it_decided()
    {
        var reviews = (await OpenAsync()).Reviews;
        var review = await reviews.CreateAsync(Draft(deadline: TimeSpan.FromMinutes(1)), Ct);
        var other = (await OpenAsync()).Reviews;

        var decide = Task.Run(async () =>
        {
            try
            {
                return (await reviews.DecideAsync(review.Id, Reviewer("alice"), ReviewRules.Approve, new Dictionary<string, int>(), null, Ct)).Status;
            }
            catch (ReviewRefusedException e) when (e.Reason == ReviewRefusal.Conflict)
            {
                return "refused";
            }
        });
        var expire = Task.Run(() => other.ExpireDueAsync(Start.AddMinutes(1), Ct));
        await Task.WhenAll(decide, expire);

        var stored = (await reviews.GetAsync(review.Id, Ct))!;
        var decision = Assert.Single(stored.Decisions);
        Assert.Equal(decision.Reviewer == "alice" ? Review.Approved : Review.Rejected, stored.Status);
        Assert.Equal(decision.Reviewer == "alice" ? Review.Approved : "refused", await decide);
        Assert.Equal(decision.Reviewer == "alice" ? 0 : 1, (await expire).Count);
    }
}

public sealed class SqliteReviewStoreTests() : ReviewStoreContract(new SqliteTarget());

public sealed class PostgresReviewStoreTests() : ReviewStoreContract(new PostgresTarget());
