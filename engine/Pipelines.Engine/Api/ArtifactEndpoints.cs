using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Artifacts;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>GET /api/artifacts/sha256/{digest}[?path=FILE]</c>: an artifact's content, so the designer can open a run's
/// evaluation report, dataset card or loss curve. A file artifact is its bytes; a folder artifact (a model, an adapter)
/// is the list of its files, and <c>path</c> names one of them, resolved inside the folder (no <c>..</c>, no link out).
/// Content is never run as a page on this origin: text goes as <c>text/plain</c> (SVG as itself), everything else as a
/// download, all under a sandboxing Content-Security-Policy.
/// </summary>
public static class ArtifactEndpoints
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/artifacts/sha256/{digest}", Show).WithMetadata(new RequiresRole(ApiRoles.Viewer));

    private static IResult Show(string digest, string? path, RunEngine engine, HttpContext http)
    {
        if (!ArtifactReference.TryParse(ArtifactReference.Prefix + digest, out var reference))
        {
            return ApiErrors.Error(StatusCodes.Status400BadRequest, $"'{digest}' is not a sha256 digest", "an artifact is artifact://sha256/ and 64 lowercase hex digits");
        }

        if (!engine.Artifacts.Exists(reference)) return ApiErrors.NotFound($"artifact {reference} is not in this server's store", "run the step that produces it again");
        var root = engine.Artifacts.PathOf(reference);
        string file;
        if (Directory.Exists(root))
        {
            if (string.IsNullOrEmpty(path)) return Results.Json(Listing(reference, root));
            try
            {
                file = ContainedPath.Resolve(root, path);
            }
            catch (ArgumentException e)
            {
                return ApiErrors.Error(StatusCodes.Status400BadRequest, $"path: {e.Message}", "name a file the folder's listing gives");
            }

            if (!File.Exists(file)) return ApiErrors.NotFound($"artifact {reference} has no file '{path}'", "GET the artifact without path for its files");
        }
        else
        {
            file = root;
        }

        http.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        var (type, download) = ContentType(file);
        return Results.File(file, type, download ? Path.GetFileName(path ?? reference.Digest) : null);
    }

    private static JsonObject Listing(ArtifactReference reference, string root) => new()
    {
        ["artifact"] = reference.Uri,
        ["files"] = new JsonArray([.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (JsonNode)new JsonObject { ["path"] = Path.GetRelativePath(root, f).Replace('\\', '/'), ["bytes"] = new FileInfo(f).Length })]),
    };

    /// <summary>SVG as an image; other UTF-8 text (JSON, JSONL, Markdown, CSV) as plain text; anything else to download.</summary>
    private static (string Type, bool Download) ContentType(string file)
    {
        Span<byte> head = stackalloc byte[4096];
        int read;
        using (var stream = File.OpenRead(file)) read = stream.Read(head);
        var start = head[..read];
        if (start.Contains((byte)0)) return ("application/octet-stream", true);
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(start[..Math.Max(0, read - 3)]).TrimStart();
            return text.StartsWith("<svg", StringComparison.Ordinal) || text.StartsWith("<?xml", StringComparison.Ordinal) && text.Contains("<svg", StringComparison.Ordinal)
                ? ("image/svg+xml", false)
                : ("text/plain; charset=utf-8", false);
        }
        catch (DecoderFallbackException)
        {
            return ("application/octet-stream", true);
        }
    }
}
