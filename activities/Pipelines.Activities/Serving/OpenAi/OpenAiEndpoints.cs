using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Pipelines.Activities.Models.Generation;
using Pipelines.Api;
using Pipelines.Monitoring;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// OpenAI's completions and chat completions, as vLLM and llama.cpp's server shape them: the same request fields
/// (<c>model</c>, <c>prompt</c> or <c>messages</c>, <c>max_tokens</c>, <c>temperature</c>, <c>top_p</c>, <c>stop</c>,
/// <c>seed</c>, <c>stream</c>, <c>stream_options.include_usage</c>; <c>n</c> must be 1), the same response objects and
/// <c>usage</c>, Server-Sent Events ending with <c>data: [DONE]</c>, and OpenAI's error object with its status codes
/// (400 naming the field, 404 for an unknown model, 429 with <c>Retry-After</c> when the model's queue is full).
/// </summary>
internal static class OpenAiEndpoints
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static IResult Models(ServedModels served) => Results.Json(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(served.All.Select(m => (JsonNode)new JsonObject
        {
            ["id"] = m.Id,
            ["object"] = "model",
            ["created"] = m.Loaded.ToUnixTimeSeconds(),
            ["owned_by"] = "pipelines",
            ["version"] = m.Version.Version,
            ["variant"] = m.Variant,
        }).ToArray()),
    });

    public static Task CompletionsAsync(HttpContext context, ServedModels served, ServingSettings settings) => AnswerAsync(context, served, settings, chat: false);

    public static Task ChatCompletionsAsync(HttpContext context, ServedModels served, ServingSettings settings) => AnswerAsync(context, served, settings, chat: true);

    /// <summary>Finds the model, then answers on the version being served now, held until the answer ends (an alias move lets it finish).</summary>
    private static async Task AnswerAsync(HttpContext context, ServedModels served, ServingSettings settings, bool chat)
    {
        JsonObject body;
        LiveModel live;
        try
        {
            body = await ReadBodyAsync(context, settings.MaxRequestBytes).ConfigureAwait(false);
            var id = OpenAiRequest.Text(body, "model") ?? throw new OpenAiRequestException("model", "you must provide a model (GET /v1/models lists them)");
            live = served.Find(id) ?? throw new OpenAiRequestException("model", $"the model '{id}' is not served here; served: {string.Join(", ", served.All.Select(m => m.Id))}", StatusCodes.Status404NotFound);
        }
        catch (OpenAiRequestException e)
        {
            ServingMetrics.Failed(null, e.Status == StatusCodes.Status404NotFound ? "not_found" : "invalid_request");
            await WriteErrorAsync(context, e.Status, e.Message, e.Param).ConfigureAwait(false);
            return;
        }

        using var lease = live.Acquire();
        await AnswerWithAsync(context, served, lease.Model, body, settings, chat).ConfigureAwait(false);
    }

    private static async Task AnswerWithAsync(HttpContext context, ServedModels served, ServedModel model, JsonObject body, ServingSettings settings, bool chat)
    {
        OpenAiRequest request;
        try
        {
            request = OpenAiRequest.Parse(body, chat, model.Tokenizer, model.ChatTemplate, served.Time.GetUtcNow());
            var longest = Math.Min(settings.MaxPromptTokens ?? int.MaxValue, model.ContextWindow - 1);
            if (request.Serving.Prompt.Count > longest)
                throw new OpenAiRequestException(chat ? "messages" : "prompt", $"the prompt is {request.Serving.Prompt.Count} tokens long; {model.Id} takes at most {longest} (Serving:MaxPromptTokens, and the context window of {model.ContextWindow} less one for the answer)");
        }
        catch (OpenAiRequestException e)
        {
            ServingMetrics.Failed(model, "invalid_request");
            await WriteErrorAsync(context, e.Status, e.Message, e.Param).ConfigureAwait(false);
            return;
        }

        Submission submission;
        try
        {
            submission = model.Batcher.Submit(request.Serving, context.RequestAborted);
        }
        catch (ArgumentException e)
        {
            ServingMetrics.Failed(model, "invalid_request");
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, e.Message, null).ConfigureAwait(false);
            return;
        }

        if (submission.Response is not { } response)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(submission.RetryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            ServingMetrics.Failed(model, "rate_limited");
            await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, $"{model.Id} has {model.Batcher.Waiting} requests waiting, as many as it queues; retry after {seconds} s", null).ConfigureAwait(false);
            return;
        }

        var completionId = (chat ? "chatcmpl-" : "cmpl-") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (request.Stream)
        {
            var streamed = await StreamAsync(context, model, request, response, completionId, created, chat).ConfigureAwait(false);
            await served.Recorder.RecordAsync(model, completionId, request.PromptText, streamed).ConfigureAwait(false);
            return;
        }

        var result = await response.Completion.ConfigureAwait(false);
        ServingMetrics.Finished(model, result);
        await served.Recorder.RecordAsync(model, completionId, request.PromptText, result).ConfigureAwait(false);
        var choice = chat
            ? new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = result.Text }, ["logprobs"] = null, ["finish_reason"] = Finish(result.FinishReason) }
            : new JsonObject { ["index"] = 0, ["text"] = result.Text, ["logprobs"] = null, ["finish_reason"] = Finish(result.FinishReason) };
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = completionId,
            ["object"] = chat ? "chat.completion" : "text_completion",
            ["created"] = created,
            ["model"] = model.Id,
            ["choices"] = new JsonArray(choice),
            ["usage"] = Usage(result),
        }, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /v1/feedback {id, rating?, correction?, comment?}</c>: what a user said about an answer, by its response
    /// id — a rating (0 to 1: thumbs down 0, up 1) and/or a correction (the answer they wanted), comment and correction
    /// redacted as sampled prompts are (a correction is kept only for a sampled request). The reply echoes the rating and the redacted correction.
    /// </summary>
    public static async Task FeedbackAsync(HttpContext context, ServedModels served, ServingSettings settings)
    {
        try
        {
            var body = await ReadBodyAsync(context, settings.MaxRequestBytes).ConfigureAwait(false);
            var id = OpenAiRequest.Text(body, "id") ?? throw new OpenAiRequestException("id", "give the id of the response rated (its `id`, e.g. cmpl-...)");
            double? rating = body["rating"] switch
            {
                null => null,
                JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>(),
                _ => throw new OpenAiRequestException("rating", "rating must be a number from 0 (bad) to 1 (good)"),
            };
            if (rating is < 0 or > 1) throw new OpenAiRequestException("rating", $"rating must be from 0 (bad) to 1 (good), not {rating}");
            var correction = OpenAiRequest.Text(body, "correction");
            if (rating is null && correction is null)
                throw new OpenAiRequestException("rating", "give a rating from 0 (bad) to 1 (good), a correction (the answer you wanted), or both");
            var comment = OpenAiRequest.Text(body, "comment");
            var feedback = new Feedback(rating, comment is null ? null : served.Recorder.Redact(comment), correction is null ? null : served.Recorder.Redact(correction));
            if (!await served.RequestLog.RateAsync(id, feedback, context.RequestAborted).ConfigureAwait(false))
                throw new OpenAiRequestException("id", $"no answered request has the id '{id}'", StatusCodes.Status404NotFound);
            await context.Response.WriteAsJsonAsync(new JsonObject { ["id"] = id, ["object"] = "feedback", ["rating"] = rating, ["correction"] = feedback.Correction },
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (OpenAiRequestException e)
        {
            await WriteErrorAsync(context, e.Status, e.Message, e.Param).ConfigureAwait(false);
        }
    }

    /// <summary><c>GET /api/monitoring/models/{model}/requests?since=&amp;limit=</c>: the request log of a served model, newest first.</summary>
    public static async Task<IResult> RequestsAsync(string model, DateTimeOffset? since, int? limit, ServedModels served, CancellationToken ct)
    {
        if (limit is < 1 or > 1000) return ApiErrors.BadRequest($"limit must be from 1 to 1000, not {limit}", "leave it out for 100");
        var rows = await served.RequestLog.ListAsync(model, since, limit ?? 100, ct).ConfigureAwait(false);
        return Results.Json(new JsonObject
        {
            ["model"] = model,
            ["requests"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Id, ["at"] = r.At.ToString("O", CultureInfo.InvariantCulture), ["version"] = r.Version, ["variant"] = r.Variant,
                ["prompt"] = r.Prompt, ["output"] = r.Output, ["finishReason"] = r.FinishReason, ["promptTokens"] = r.PromptTokens,
                ["completionTokens"] = r.CompletionTokens, ["latency"] = r.LatencySeconds, ["timeToFirstToken"] = r.TimeToFirstTokenSeconds,
                ["rating"] = r.Rating, ["comment"] = r.Comment, ["correction"] = r.Correction,
            }).ToArray()),
        });
    }

    private static async Task<CompletionResult> StreamAsync(HttpContext context, ServedModel model, OpenAiRequest request, ServingResponse response, string id, long created, bool chat)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        JsonObject Chunk(JsonObject choice) => new()
        {
            ["id"] = id,
            ["object"] = chat ? "chat.completion.chunk" : "text_completion",
            ["created"] = created,
            ["model"] = model.Id,
            ["choices"] = new JsonArray(choice),
        };

        if (chat) await SendAsync(context, Chunk(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = "" }, ["finish_reason"] = null })).ConfigureAwait(false);
        await foreach (var token in response.Tokens.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
        {
            if (token.TextDelta.Length == 0) continue;
            await SendAsync(context, Chunk(chat
                ? new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = token.TextDelta }, ["finish_reason"] = null }
                : new JsonObject { ["index"] = 0, ["text"] = token.TextDelta, ["logprobs"] = null, ["finish_reason"] = null })).ConfigureAwait(false);
        }

        var result = await response.Completion.ConfigureAwait(false);
        ServingMetrics.Finished(model, result);
        await SendAsync(context, Chunk(chat
            ? new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = Finish(result.FinishReason) }
            : new JsonObject { ["index"] = 0, ["text"] = "", ["logprobs"] = null, ["finish_reason"] = Finish(result.FinishReason) })).ConfigureAwait(false);
        if (request.IncludeUsage)
        {
            var usage = Chunk(new JsonObject());
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(result);
            await SendAsync(context, usage).ConfigureAwait(false);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
        return result;
    }

    private static async Task SendAsync(HttpContext context, JsonObject chunk)
    {
        await context.Response.WriteAsync($"data: {chunk.ToJsonString(Compact)}\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject Usage(CompletionResult result) => new()
    {
        ["prompt_tokens"] = result.PromptTokens,
        ["completion_tokens"] = result.CompletionTokens,
        ["total_tokens"] = result.PromptTokens + result.CompletionTokens,
    };

    /// <summary>OpenAI's finish reasons: a cancelled or expired request (the client is gone, or its time ran out) reads as <c>length</c>, cut short.</summary>
    private static string Finish(FinishReason reason) => reason == FinishReason.Stop ? "stop" : "length";

    /// <summary>The body as a JSON object, refused with a 413 past <paramref name="maxBytes"/> (Serving:MaxRequestBytes) whether or not it says its length.</summary>
    private static async Task<JsonObject> ReadBodyAsync(HttpContext context, long maxBytes)
    {
        var tooLarge = $"the body is larger than the {maxBytes} bytes a request may send (Serving:MaxRequestBytes)";
        if (context.Request.ContentLength > maxBytes) throw new OpenAiRequestException(null, tooLarge, StatusCodes.Status413PayloadTooLarge);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = maxBytes;
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject
                ?? throw new OpenAiRequestException(null, "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new OpenAiRequestException(null, $"the body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAiRequestException(null, tooLarge, StatusCodes.Status413PayloadTooLarge);
        }
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message, string? param)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(ApiErrors.OpenAiError(status, message, param), context.RequestAborted);
    }
}

/// <summary>A request field OpenAI's API would refuse: the message, the field (<c>param</c>) and the status.</summary>
internal sealed class OpenAiRequestException(string? param, string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public string? Param { get; } = param;

    public int Status { get; } = status;
}
