using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Hosting;
using Pipelines.Reviews;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>/api/reviews</c>: the human reviews of <c>gate.human</c> steps — list, show, and decide. A decision is made as the
/// bearer token's name (with its roles); with no tokens configured (loopback only) as <c>local</c>, whom every
/// reviewers list accepts. A decision that settles the review resumes the step and queues the run for the worker.
/// </summary>
public static class ReviewEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var reviews = api.MapGroup("/reviews");
        reviews.MapGet("", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        reviews.MapGet("/{id}", ShowAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        reviews.MapPost("/{id}/decision", DecideAsync).WithMetadata(new RequiresRole(ApiRoles.Reviewer));
    }

    private static async Task<IResult> ListAsync(string? status, RunEngine engine, CancellationToken ct)
    {
        if (status is not (null or Review.Open or "decided" or Review.Approved or Review.Rejected))
        {
            return ApiErrors.BadRequest($"'{status}' is not a review status", "use open, decided, approved or rejected, or leave it out for all");
        }

        var reviews = await engine.Reviews().ListAsync(status, ct);
        return Results.Json(new JsonObject { ["reviews"] = new JsonArray(reviews.Select(r => (JsonNode)ReviewJson.Review(r)).ToArray()) });
    }

    private static async Task<IResult> ShowAsync(string id, RunEngine engine, CancellationToken ct) =>
        await engine.Reviews().GetAsync(id, ct) is { } review ? Results.Json(ReviewJson.Review(review)) : UnknownReview(id);

    /// <summary><c>{"decision": "approve" | "reject", "scores": {criterion: 1..5}, "comment": "..."}</c> → the review as it now stands.</summary>
    private static async Task<IResult> DecideAsync(string id, HttpRequest request, RunEngine engine, RunQueue queue, CancellationToken ct)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(request, ct);
        if (error is not null) return error;

        var problems = new List<string>();
        var decision = body!["decision"] is JsonValue d && d.TryGetValue<string>(out var text) ? text : null;
        if (decision is null) problems.Add("'decision' is required: approve or reject");

        var scores = new Dictionary<string, int>(StringComparer.Ordinal);
        switch (body["scores"])
        {
            case null:
                break;
            case JsonObject given:
                foreach (var (criterion, value) in given)
                {
                    if (value is JsonValue v && v.TryGetValue<int>(out var score)) scores[criterion] = score;
                    else problems.Add($"the score for {criterion} must be a whole number 1 to 5");
                }

                break;
            default:
                problems.Add("'scores' must be an object of CRITERION: 1..5");
                break;
        }

        string? comment = null;
        if (body["comment"] is { } c && !(c is JsonValue cv && cv.TryGetValue(out comment))) problems.Add("'comment' must be a string");
        problems.AddRange(body.Select(kv => kv.Key).Where(k => k is not ("decision" or "scores" or "comment"))
            .Select(k => $"unknown field '{k}'; a decision takes decision, scores and comment"));
        if (problems.Count > 0) return ApiErrors.BadRequest(string.Join("; ", problems), "send {\"decision\": \"approve\", \"scores\": {\"coherence\": 4}, \"comment\": \"...\"}");

        var who = request.HttpContext.Items[typeof(ApiCaller)] is ApiCaller caller ? new ReviewerIdentity(caller.Name, caller.Roles) : ReviewerIdentity.Local;
        Review review;
        try
        {
            review = await ReviewResolution.DecideAsync(engine, id, who, decision!, scores, comment, ct);
        }
        catch (ReviewRefusedException e)
        {
            return e.Reason switch
            {
                ReviewRefusal.NotFound => UnknownReview(id),
                ReviewRefusal.NotAllowed => ApiErrors.Error(StatusCodes.Status403Forbidden, e.Message, e.Hint),
                ReviewRefusal.Conflict => ApiErrors.Error(StatusCodes.Status409Conflict, e.Message, e.Hint),
                _ => ApiErrors.BadRequest(e.Message, e.Hint),
            };
        }

        if (review.IsDecided) queue.Enqueue(review.RunId);
        return Results.Json(ReviewJson.Review(review));
    }

    private static IResult UnknownReview(string id) => ApiErrors.NotFound($"no review with id '{id}'", "GET /api/reviews?status=open lists the open reviews");
}
