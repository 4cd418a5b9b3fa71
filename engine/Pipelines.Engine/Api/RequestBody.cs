using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Pipelines.Api;

/// <summary>Reads request bodies with a size limit, turning every malformed body into a 4xx error, never an exception.</summary>
public static class RequestBody
{
    /// <summary>JSON bodies; room for a 1 MiB pipeline sent as <c>{"yaml": "..."}</c> with its escapes.</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    /// <summary>
    /// The body, or 413 as soon as it is known to be larger than <paramref name="maxBytes"/> (from Content-Length, or
    /// after reading one byte past the limit); <paramref name="tooLarge"/> says what the limit is for.
    /// </summary>
    public static async Task<(byte[]? Content, IResult? Error)> ReadBytesAsync(HttpRequest request, CancellationToken ct, int maxBytes = MaxBytes, Func<IResult>? tooLarge = null)
    {
        tooLarge ??= TooLarge;
        if (request.ContentLength > maxBytes) return (null, tooLarge());
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, tooLarge());
            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>A JSON object body; an empty body reads as <c>{}</c>. Whatever <see cref="JsonBodyCheck"/> refuses is a 400.</summary>
    public static async Task<(JsonObject? Body, IResult? Error)> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var (content, error) = await ReadBytesAsync(request, ct);
        if (error is not null) return (null, error);
        if (content!.Length == 0) return (new JsonObject(), null);
        if (JsonBodyCheck.Problem(content) is { } problem)
        {
            return (null, ApiErrors.BadRequest(problem, "send one JSON object, UTF-8 encoded, each key once, with Content-Type: application/json"));
        }

        return JsonNode.Parse(content) is JsonObject body
            ? (body, null)
            : (null, ApiErrors.BadRequest("the body must be a JSON object", "send e.g. {\"pipeline\": \"hello\"}"));
    }

    /// <summary>The media type of the body, lower-case without parameters; null when none was sent.</summary>
    public static string? MediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;

    public static bool IsJson(string? mediaType) => mediaType is "application/json" || mediaType?.EndsWith("+json", StringComparison.Ordinal) == true;

    private static IResult TooLarge() =>
        ApiErrors.Error(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBytes / (1024 * 1024)} MiB", "send a smaller body");
}
