using System.Text.Json.Nodes;
using Pipelines.Runtime;

namespace Pipelines.Reviews;

/// <summary>
/// The JSON of a review, the same in the API, the CLI's <c>--json</c>-free listings and the payload that resumes
/// <c>gate.human</c>: <c>{id, runId, step, title, instructions, samples, rubric, status, reviewers, approvals,
/// rejectOn, decisions, scores, agreement, deadline, onTimeout, createdAt, decidedAt}</c>.
/// </summary>
public static class ReviewJson
{
    public static JsonObject Review(Review review) => new()
    {
        ["id"] = review.Id,
        ["runId"] = review.RunId,
        ["step"] = review.StepId,
        ["title"] = review.Title,
        ["instructions"] = review.Instructions,
        ["samples"] = review.Samples.DeepClone(),
        ["rubric"] = new JsonArray(review.Rubric.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["description"] = c.Description }).ToArray()),
        ["status"] = review.Status,
        ["reviewers"] = new JsonArray(review.Reviewers.Select(r => (JsonNode)JsonValue.Create(r)).ToArray()),
        ["approvals"] = review.Approvals,
        ["rejectOn"] = review.RejectOn,
        ["decisions"] = Decisions(review.Decisions),
        ["scores"] = Scores(ReviewRules.MeanScores(review.Decisions, review.Rubric)),
        ["agreement"] = ReviewRules.Agreement(review.Decisions, review.Rubric),
        ["deadline"] = RunReport.Time(review.DeadlineAt),
        ["onTimeout"] = review.OnTimeout,
        ["createdAt"] = RunReport.Time(review.CreatedAt),
        ["decidedAt"] = RunReport.Time(review.DecidedAt),
    };

    /// <summary><c>[{reviewer, decision, scores, comment, at}]</c>, in the order they were made.</summary>
    public static JsonArray Decisions(IEnumerable<ReviewDecision> decisions) =>
        new(decisions.Select(d => (JsonNode)new JsonObject
        {
            ["reviewer"] = d.Reviewer,
            ["decision"] = d.Decision,
            ["scores"] = new JsonObject(d.Scores.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))),
            ["comment"] = d.Comment,
            ["at"] = RunReport.Time(d.At),
        }).ToArray());

    public static JsonObject Scores(IReadOnlyDictionary<string, double> means) =>
        new(means.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value))));
}
