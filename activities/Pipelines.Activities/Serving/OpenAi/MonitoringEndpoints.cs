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

    public static async Task<IResult> WindowAsync(string model, int? window, ServedModels served, CancellationToken ct)
    {
        if (window is < 1 or > 100_000) return ApiErrors.BadRequest($"window must be from 1 to 100000 requests, not {window}", "leave it out for the latest 500");
        if (served.Find(model)?.Current is not { } current)
            return ApiErrors.NotFound($"'{model}' is not served here", $"served: {string.Join(", ", served.All.Select(m => m.Id))}");

        var logged = (await served.RequestLog.ListAsync(model, null, window ?? 500, ct).ConfigureAwait(false))
            .Where(r => r.Version == current.Version.Version).ToList();
        var sampled = logged.Where(r => r.Prompt is not null && r.Output is not null).ToList();
        var quality = QualityWindow.Measure(sampled.Select(r => new ServedExchange(r.Output!, Enum.Parse<FinishReason>(r.FinishReason, ignoreCase: true), r.CompletionTokens, r.Rating)));
        JsonNode? drift = null;
        string? driftNote = null;
        if (current.Profile is null) driftNote = $"version {current.Version.Version} names no training dataset here to compare with";
        else if (sampled.Count == 0) driftNote = "no sampled prompts in the window (Serving:SampleRate is 0, or nothing was asked yet)";
        else drift = JsonSerializer.SerializeToNode(DriftDetector.Compare(current.Profile, sampled.Select(r => LiveSample.Of(r.Prompt!, current.Tokenizer))), Json);

        return Results.Json(new JsonObject
        {
            ["model"] = model,
            ["version"] = current.Version.Version,
            ["variant"] = current.Variant,
            ["requests"] = logged.Count,
            ["sampled"] = sampled.Count,
            ["traffic"] = JsonSerializer.SerializeToNode(TrafficWindow.Measure(logged, served.Time.GetUtcNow()), Json),
            ["drift"] = drift,
            ["driftNote"] = driftNote,
            ["quality"] = JsonSerializer.SerializeToNode(quality, Json),
        });
    }
}
