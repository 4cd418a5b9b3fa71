using System.Text.Json.Nodes;
using Pipelines.Reviews;
using Pipelines.Runtime.Stores;

namespace Pipelines.Activities.Gates;

public sealed record ReviewSample
{
    [Port("What the model was given.")]
    public JsonNode? Input { get; init; }

    [Port("What the model answered.")]
    public JsonNode? Output { get; init; }

    [Port("A reference answer, when there is one.")]
    public JsonNode? Reference { get; init; }
}

public sealed record RubricCriterion
{
    [Port("The criterion's name, the key of its score (coherence, relevance, ...).")]
    public required string Name { get; init; }

    [Port("What a reviewer judges, shown beside the 1-5 scale.")]
    public string? Description { get; init; }
}

public sealed record HumanGateInputs
{
    [Port("What the reviewers see as the review's heading.")]
    public required string Title { get; init; }

    [Port("What the reviewers should look for.")]
    public string? Instructions { get; init; }

    [Port("The outputs to review: a list of {input, output, reference?}.")]
    public IReadOnlyList<ReviewSample> Samples { get; init; } = [];

    [Port("A dataset to draw more samples from: an artifact (artifact://sha256/...) or a JSONL file of {input, output, reference?}, {prompt, completion}, or {prompt, prediction, reference} (eval.metrics' `predictions`).")]
    [LocalPath]
    public string? Dataset { get; init; }

    [Port("How many records to draw from `dataset`, the same ones for the same run and step.")]
    [Range(1, 500)]
    public int SampleSize { get; init; } = 5;

    [Port("The criteria, each scored 1 (poor) to 5 (excellent); default coherence, relevance, factual_accuracy, helpfulness.")]
    public IReadOnlyList<RubricCriterion>? Rubric { get; init; }

    [Port("Who may decide: token names (alice) and roles (role:reviewer); empty: anyone with the reviewer or admin role.")]
    public IReadOnlyList<string> Reviewers { get; init; } = [];

    [Port("How many approvals approve the review.")]
    [Range(1, 100)]
    public int Approvals { get; init; } = 1;

    [Port("When rejects reject: `any` on the first reject; `majority` once at least `approvals` decisions are in and more than half of them reject.")]
    [OneOf("any", "majority")]
    public string RejectOn { get; init; } = "any";

    [Port("How long the review stays open (e.g. 48h); unset: until decided.")]
    public TimeSpan? Deadline { get; init; }

    [Port("What the deadline decides when the reviewers have not.")]
    [OneOf("reject", "approve")]
    public string OnTimeout { get; init; } = "reject";
}

public sealed record ReviewerDecision
{
    [Port("Who decided (a token name, `local`, or `(deadline)` when the deadline decided).")]
    public required string Reviewer { get; init; }

    [Port("approve or reject.")]
    public required string Decision { get; init; }

    [Port("Criterion → score 1-5.")]
    public required IReadOnlyDictionary<string, int> Scores { get; init; }

    [Port("The reviewer's comment.")]
    public string? Comment { get; init; }

    [Port("When, as ISO 8601 UTC.")]
    public required string At { get; init; }
}

public sealed record HumanGateOutputs
{
    [Port("The review's id.")]
    public required string Review { get; init; }

    [Port("Whether the review was approved (a rejected review fails the step instead).")]
    public required bool Approved { get; init; }

    [Port("Every decision: who, when, decision, scores, comment.")]
    public required IReadOnlyList<ReviewerDecision> Decisions { get; init; }

    [Port("The mean score of each criterion that was scored.")]
    public required IReadOnlyDictionary<string, double> Scores { get; init; }

    [Port("Krippendorff's alpha (interval) over the scores, criteria as units; null unless two or more reviewers scored.")]
    public double? Agreement { get; init; }
}

/// <summary>
/// Suspends the run for a human review. The first execution creates the review (one per run and step) and waits on
/// the bookmark <c>review</c>; decisions arrive through the API or the CLI, and once they (or the deadline) settle the
/// review the step runs again: approved, it outputs the decisions, mean scores and agreement; rejected, it fails.
/// </summary>
[Activity("gate.human", Category = "Gates", Description = "Suspends the run until people review samples against a rubric and approve or reject.",
    Deterministic = false)]
public sealed class HumanGate : IActivity<HumanGateInputs, HumanGateOutputs>
{
    public async Task<HumanGateOutputs> ExecuteAsync(HumanGateInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        if (context.Services?.GetService(typeof(IReviewStore)) is not IReviewStore store)
        {
            throw new ActivityFailedException("gate.human needs the pipelines runtime's review store, and this context has none", retryable: false);
        }

        var drawn = inputs.Dataset is { } dataset ? await DrawAsync(dataset, inputs.SampleSize, context, cancellationToken).ConfigureAwait(false) : [];
        var review = await store.CreateAsync(Draft(inputs, drawn, context), cancellationToken).ConfigureAwait(false);
        if (!review.IsDecided)
        {
            if (context.Resumption is null)
            {
                context.Log($"review {review.Id} is open: `pipelines review show {review.Id}`, or GET /api/reviews/{review.Id}");
            }

            throw context.Suspend(ReviewResolution.Bookmark);
        }

        // The store, not the resumption payload, is the record: a decision that raced the suspension is not lost.
        if (review.Status == Review.Rejected)
        {
            var rejects = review.Decisions.Where(d => d.Decision == ReviewRules.Reject).ToList();
            var who = string.Join("; ", rejects.Select(d => d.Comment is { Length: > 0 } c ? $"{d.Reviewer} (\"{c}\")" : d.Reviewer));
            throw new ActivityFailedException($"review {review.Id} was rejected by {who}", retryable: false);
        }

        foreach (var decision in review.Decisions)
        {
            context.Log($"{decision.Reviewer}: {decision.Decision}{(decision.Comment is { Length: > 0 } c ? $" ({c})" : "")}");
        }

        return new HumanGateOutputs
        {
            Review = review.Id,
            Approved = true,
            Decisions = review.Decisions.Select(d => new ReviewerDecision
            {
                Reviewer = d.Reviewer,
                Decision = d.Decision,
                Scores = d.Scores,
                Comment = d.Comment,
                At = Runtime.RunReport.Time(d.At)!,
            }).ToList(),
            Scores = ReviewRules.MeanScores(review.Decisions, review.Rubric),
            Agreement = ReviewRules.Agreement(review.Decisions, review.Rubric),
        };
    }

    /// <summary>
    /// Draws <paramref name="count"/> records from a JSONL dataset by reservoir sampling, seeded by the run and step,
    /// so a re-run of the same step shows the reviewers the same records.
    /// </summary>
    private static async Task<List<ReviewSample>> DrawAsync(string dataset, int count, ActivityContext context, CancellationToken ct)
    {
        var path = Artifacts.ArtifactReference.TryParse(dataset, out var reference) ? context.Artifacts.PathOf(reference) : dataset;
        if (!File.Exists(path))
        {
            throw new ActivityFailedException($"dataset '{dataset}' is not a file", retryable: false);
        }

        var random = new Random(StableSeed(context.RunId + "/" + context.StepId));
        var chosen = new List<ReviewSample>();
        var seen = 0;
        var line = 0;
        await foreach (var text in File.ReadLinesAsync(path, ct).ConfigureAwait(false))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonObject record;
            try
            {
                record = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                throw new ActivityFailedException($"dataset '{dataset}' line {line} is not a JSON object", retryable: false);
            }

            var sample = new ReviewSample
            {
                Input = (record["input"] ?? record["prompt"])?.DeepClone(),
                Output = (record["output"] ?? record["prediction"] ?? record["completion"])?.DeepClone(),
                Reference = record["reference"]?.DeepClone(),
            };
            seen++;
            if (chosen.Count < count) chosen.Add(sample);
            else if (random.Next(seen) is var slot && slot < count) chosen[slot] = sample;
        }

        return chosen;
    }

    private static int StableSeed(string text)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        return BitConverter.ToInt32(hash, 0);
    }

    private static ReviewDraft Draft(HumanGateInputs inputs, IReadOnlyList<ReviewSample> drawn, ActivityContext context) => new()
    {
        RunId = context.RunId,
        StepId = context.StepId,
        Title = inputs.Title,
        Instructions = inputs.Instructions,
        Samples = new JsonArray(inputs.Samples.Concat(drawn).Select(s => (JsonNode)new JsonObject
        {
            ["input"] = s.Input?.DeepClone(),
            ["output"] = s.Output?.DeepClone(),
            ["reference"] = s.Reference?.DeepClone(),
        }).ToArray()),
        Rubric = inputs.Rubric is { Count: > 0 } rubric ? rubric.Select(c => new ReviewCriterion(c.Name, c.Description)).ToList() : ReviewRules.DefaultRubric,
        Reviewers = inputs.Reviewers,
        Approvals = inputs.Approvals,
        RejectOn = inputs.RejectOn,
        Deadline = inputs.Deadline,
        OnTimeout = inputs.OnTimeout,
    };
}
