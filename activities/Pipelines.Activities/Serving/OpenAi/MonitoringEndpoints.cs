using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Pipelines.Activities.Serving.Monitoring;
using Pipelines.Api;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// <c>GET /api/monitoring/models/{model}?window=500</c>: how a served model is doing over its latest logged requests —
/// drift of the sampled prompts against the served version's training data (<see cref="DriftDetector"/>, with each
/// feature's status against the written thresholds) and quality of the sampled answers (<see cref="QualityWindow"/>:
/// toxic and PII-leak rates, empty and truncated answers, length, user ratings). Only requests of the version being
/// served count, and only sampled ones carry text (<c>Serving:SampleRate</c>).
/// </summary>
internal static class MonitoringEndpoints
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// <c>GET /api/monitoring/models</c>: the ids served here (<c>NAME@ALIAS</c>, <c>NAME/VERSION</c>), each with the
    /// registry model, alias, version and variant it serves now — what a viewer may monitor, since <c>/v1/models</c>
    /// needs role inference.
    /// </summary>
    public static IResult Served(ServedModels served) => Results.Json(new JsonObject
    {
        ["models"] = new JsonArray(served.All.Select(m => (JsonNode)new JsonObject
        {
            ["id"] = m.Id,
            ["model"] = m.Version.Model,
            ["alias"] = m.Alias,
            ["version"] = m.Version.Version,
            ["variant"] = m.Variant,
        }).ToArray()),
    });

    public static async Task<IResult> WindowAsync(string model, int? window, ServedModels served, CancellationToken ct)
    {
        if (window is < 1 or > 100_000) return ApiErrors.BadRequest($"window must be from 1 to 100000 requests, not {window}", "leave it out for the latest 500");
        if (served.Find(model)?.Current is not { } current)
            return ApiErrors.NotFound($"'{model}' is not served here", $"served: {string.Join(", ", served.All.Select(m => m.Id))}");

        var logged = await served.RequestLog.ListAsync(model, null, window ?? 500, ct).ConfigureAwait(false);
        var measured = MonitoredWindow.Measure(current, logged);
        return Results.Json(new JsonObject
        {
            ["model"] = model,
            ["version"] = current.Version.Version,
            ["variant"] = current.Variant,
            ["requests"] = measured.Requests,
            ["sampled"] = measured.Sampled,
            ["traffic"] = JsonSerializer.SerializeToNode(TrafficWindow.Measure(current.VersionOf(logged), served.Time.GetUtcNow()), Json),
            ["drift"] = measured.Drift is null ? null : JsonSerializer.SerializeToNode(measured.Drift, Json),
            ["driftNote"] = measured.DriftNote,
            ["quality"] = JsonSerializer.SerializeToNode(measured.Quality, Json),
        });
    }
}
