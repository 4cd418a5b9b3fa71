using Pipelines.Activities.Tests.Runtime;
using Pipelines.Engine.Tests.Runtime;
using Pipelines.Reviews;
using Pipelines.Runtime;

namespace Pipelines.Activities.Tests.Gates;

/// <summary>gate.human end to end over a real engine and SQLite file: the run waits on a review until decisions settle it.</summary>
public sealed class HumanGateTests
{
    private static readonly ReviewerIdentity Alice = new("alice", []);
    private static readonly ReviewerIdentity Bob = new("bob", ["reviewer"]);

    private static string Pipeline(string extra = "") => """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: reviewed }
        steps:
          review:
            uses: gate.human@1
            with:
              title: Check the answers
              instructions: Score each criterion 1-5.
              samples:
                - { input: "2+2?", output: "4", reference: "4" }
              reviewers: [alice, "role:reviewer"]
              #EXTRA
          after:
            uses: core.echo@1
            needs: [review]
            with:
              message: "approved=${{ steps.review.outputs.approved }}"
        """.Replace("#EXTRA", string.Join("\n      ", extra.Split('\n').Select(l => l.Trim())), StringComparison.Ordinal);

    private static Dictionary<string, int> Scores(int coherence, int relevance) => new() { ["coherence"] = coherence, ["relevance"] = relevance };

    private static async Task<(RuntimeHarness Harness, string RunId, Review Review)> WaitingAsync(string extra = "")
    {
        var harness = await RuntimeHarness.StartAsync(activities: EngineHarness.Catalog);
        var (id, status) = await harness.RunAsync(Pipeline(extra));
        Assert.Equal(RunStatus.Waiting, status);
        var review = Assert.Single(await harness.Engine.Reviews().ListAsync(Review.Open, CancellationToken.None));
        return (harness, id, review);
    }

    [Fact]
    public async Task A_human_gate_opens_a_review_and_the_run_waits_on_it()
    {
        var (harness, id, review) = await WaitingAsync();
        await using var _ = harness;

        var step = await harness.StepAsync(id, "review");
        Assert.Equal(("waiting", "review"), (step.Status, step.Bookmark));
        Assert.Equal((id, "review", "Check the answers", 1, "any", "reject"), (review.RunId, review.StepId, review.Title, review.Approvals, review.RejectOn, review.OnTimeout));
        Assert.Equal(["coherence", "relevance", "factual_accuracy", "helpfulness"], review.Rubric.Select(c => c.Name));
        Assert.Equal(("2+2?", "4", "4"), (review.Samples[0]!["input"]!.GetValue<string>(), review.Samples[0]!["output"]!.GetValue<string>(), review.Samples[0]!["reference"]!.GetValue<string>()));
        Assert.Equal(["alice", "role:reviewer"], review.Reviewers);
    }

    [Fact]
    public async Task An_approval_continues_the_run_with_decisions_scores_and_agreement()
    {
        var (harness, id, review) = await WaitingAsync("      approvals: 2");
        await using var _ = harness;

        var first = await ReviewResolution.DecideAsync(harness.Engine, review.Id, Alice, "approve", Scores(4, 5), "fine", CancellationToken.None);
        Assert.Equal(Review.Open, first.Status); // 1 of 2 approvals
        Assert.Equal("waiting", (await harness.StepAsync(id, "review")).Status);
        var second = await ReviewResolution.DecideAsync(harness.Engine, review.Id, Bob, "approve", Scores(5, 5), null, CancellationToken.None);
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(Review.Approved, second.Status);
        Assert.Equal(RunStatus.Succeeded, status);
        var outputs = RuntimeHarness.Outputs(await harness.StepAsync(id, "review"));
        Assert.True(outputs["approved"]!.GetValue<bool>());
        Assert.Equal(["alice", "bob"], outputs["decisions"]!.AsArray().Select(d => d!["reviewer"]!.GetValue<string>()));
        Assert.Equal("fine", outputs["decisions"]![0]!["comment"]!.GetValue<string>());
        Assert.Equal(4.5, outputs["scores"]!["coherence"]!.GetValue<double>());
        Assert.Equal(5.0, outputs["scores"]!["relevance"]!.GetValue<double>());
        // Units (4,5) and (5,5): D_o = (1/4)(2·1) = 0.5; D_e = 2·(1+1+1+0+0+0)/12 = 0.5; α = 1 − 1 = 0.
        Assert.Equal(0.0, outputs["agreement"]!.GetValue<double>(), precision: 10);
        Assert.Equal("""{"message":"approved=true"}""", (await harness.StepAsync(id, "after")).Outputs);
    }

    [Fact]
    public async Task A_rejection_fails_the_step_naming_who_rejected()
    {
        var (harness, id, review) = await WaitingAsync();
        await using var _ = harness;

        await ReviewResolution.DecideAsync(harness.Engine, review.Id, Bob, "reject", Scores(1, 2), "hallucinates", CancellationToken.None);
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(RunStatus.Failed, status);
        var step = await harness.StepAsync(id, "review");
        Assert.Equal("failed", step.Status);
        Assert.Contains($"review {review.Id} was rejected by bob (\"hallucinates\")", step.Error, StringComparison.Ordinal);
        Assert.Equal(1, step.Failures); // not retried
        Assert.NotEqual("succeeded", (await harness.StepAsync(id, "after")).Status);
    }

    [Fact]
    public async Task A_reviewer_decides_once_and_only_listed_reviewers_decide()
    {
        var (harness, _, review) = await WaitingAsync("      approvals: 2");
        await using var __ = harness;

        await ReviewResolution.DecideAsync(harness.Engine, review.Id, Alice, "approve", Scores(4, 4), null, CancellationToken.None);
        var twice = await Assert.ThrowsAsync<ReviewRefusedException>(() =>
            ReviewResolution.DecideAsync(harness.Engine, review.Id, Alice, "reject", Scores(1, 1), null, CancellationToken.None));
        var stranger = await Assert.ThrowsAsync<ReviewRefusedException>(() =>
            ReviewResolution.DecideAsync(harness.Engine, review.Id, new ReviewerIdentity("mallory", ["operator"]), "approve", Scores(5, 5), null, CancellationToken.None));
        var invalid = await Assert.ThrowsAsync<ReviewRefusedException>(() =>
            ReviewResolution.DecideAsync(harness.Engine, review.Id, Bob, "approve", new Dictionary<string, int> { ["coherence"] = 9 }, null, CancellationToken.None));

        Assert.Equal(ReviewRefusal.Conflict, twice.Reason);
        Assert.Contains("'alice' already decided", twice.Message, StringComparison.Ordinal);
        Assert.Equal(ReviewRefusal.NotAllowed, stranger.Reason);
        Assert.Equal(ReviewRefusal.Invalid, invalid.Reason);
        var stored = await harness.Engine.Reviews().GetAsync(review.Id, CancellationToken.None);
        Assert.Equal(Review.Open, stored!.Status);
        Assert.Equal(["alice"], stored.Decisions.Select(d => d.Reviewer));
    }

    [Theory]
    [InlineData("approve", RunStatus.Succeeded, Review.Approved)]
    [InlineData("reject", RunStatus.Failed, Review.Rejected)]
    public async Task A_passed_deadline_applies_on_timeout_and_resumes_the_run(string onTimeout, RunStatus runStatus, string reviewStatus)
    {
        var (harness, id, review) = await WaitingAsync($"      deadline: 1h\n      on_timeout: {onTimeout}");
        await using var _ = harness;
        Assert.NotNull(review.DeadlineAt);

        var early = await ReviewResolution.SweepAsync(harness.Engine, DateTimeOffset.UtcNow, CancellationToken.None);
        var late = await ReviewResolution.SweepAsync(harness.Engine, DateTimeOffset.UtcNow.AddHours(2), CancellationToken.None);
        var status = await harness.ExecuteAsync(id);

        Assert.Empty(early);
        Assert.Equal([id], late);
        Assert.Equal(runStatus, status);
        var stored = await harness.Engine.Reviews().GetAsync(review.Id, CancellationToken.None);
        Assert.Equal(reviewStatus, stored!.Status);
        Assert.Equal(ReviewRules.DeadlineReviewer, Assert.Single(stored.Decisions).Reviewer);
    }

    [Fact]
    public async Task A_review_survives_an_engine_restart()
    {
        var (harness, id, review) = await WaitingAsync();
        await using var _ = harness;
        await harness.ReopenAsync();

        await ReviewResolution.DecideAsync(harness.Engine, review.Id, Alice, "approve", Scores(3, 4), null, CancellationToken.None);
        var status = await harness.ExecuteAsync(id);

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.Null(RuntimeHarness.Outputs(await harness.StepAsync(id, "review"))["agreement"]); // one reviewer: no agreement
        Assert.Single(await harness.Engine.Reviews().ListAsync("decided", CancellationToken.None));
    }

    [Fact]
    public async Task Samples_drawn_from_a_dataset_are_added_to_the_inline_ones()
    {
        var dataset = Path.Combine(Path.GetTempPath(), $"review-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(dataset, Enumerable.Range(1, 20).Select(i => $$"""{"prompt": "q{{i}}", "completion": "a{{i}}"}"""));
        try
        {
            var (harness, _, review) = await WaitingAsync($"dataset: {dataset}\nsample_size: 3");
            await using var _ = harness;

            Assert.Equal(4, review.Samples.Count); // the inline sample and three drawn
            var drawn = review.Samples.Skip(1).Select(s => (s!["input"]!.GetValue<string>(), s["output"]!.GetValue<string>())).ToList();
            Assert.All(drawn, d => Assert.Equal(d.Item1[1..], d.Item2[1..])); // each drawn record keeps its own answer
            Assert.Equal(3, drawn.Distinct().Count());
        }
        finally
        {
            File.Delete(dataset);
        }
    }

    [Fact]
    public async Task Samples_drawn_from_an_evaluations_predictions_show_the_prediction_as_the_output()
    {
        // eval.metrics writes {line, prompt, reference, prediction, scores}: the review shows what the model said.
        var dataset = Path.Combine(Path.GetTempPath(), $"review-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(dataset, Enumerable.Range(1, 5).Select(i =>
            $$$"""{"line": {{{i}}}, "prompt": "mail {{{i}}}", "reference": "subject {{{i}}}", "prediction": "guess {{{i}}}", "scores": {}}"""));
        try
        {
            var (harness, _, review) = await WaitingAsync($"dataset: {dataset}\nsample_size: 2");
            await using var _ = harness;

            foreach (var sample in review.Samples.Skip(1))
            {
                var n = sample!["input"]!.GetValue<string>()[5..];
                Assert.Equal($"guess {n}", sample["output"]!.GetValue<string>());
                Assert.Equal($"subject {n}", sample["reference"]!.GetValue<string>());
            }
        }
        finally
        {
            File.Delete(dataset);
        }
    }
}
