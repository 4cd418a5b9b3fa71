using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;
using Pipelines.Schedules;
using Pipelines.Yaml;

namespace Pipelines.Api;

/// <summary><c>/api/definitions</c>: publish, validate, list, show and retract pipeline versions (drafts: <see cref="DraftEndpoints"/>).</summary>
public static class DefinitionEndpoints
{
    /// <summary>The file name diagnostics of a posted pipeline carry.</summary>
    public const string SourceName = "request.yaml";

    public static void Map(IEndpointRouteBuilder api)
    {
        var definitions = api.MapGroup("/definitions");
        definitions.MapPost("", PublishAsync).WithMetadata(new RequiresRole(ApiRoles.Author));
        definitions.MapPost("/validate", ValidateAsync).WithMetadata(new RequiresRole(ApiRoles.Author));
        definitions.MapGet("", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        definitions.MapGet("/{name}/versions", VersionsAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        definitions.MapGet("/{name}/versions/{version:int}", ShowAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        definitions.MapGet("/{name}/versions/latest", LatestAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        definitions.MapPost("/{name}/versions/{version:int}/retract", RetractAsync).WithMetadata(new RequiresRole(ApiRoles.Author));
    }

    private static async Task<IResult> PublishAsync(HttpRequest request, RunEngine engine, PipelineScheduler scheduler, ValidationGate gate, CancellationToken ct)
    {
        var (loaded, error) = await LoadAsync(request, engine.Catalog, gate);
        if (error is not null) return error;

        var result = await engine.PublishAsync(loaded!, ct);
        await scheduler.SyncAsync(result.Version.Name, ct);
        var body = Summary(result.Version);
        body["created"] = result.Created;
        return result.Created
            ? Results.Json(body, statusCode: StatusCodes.Status201Created)
            : Results.Json(body);
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, RunEngine engine, ValidationGate gate)
    {
        var (loaded, error) = await LoadAsync(request, engine.Catalog, gate);
        return error ?? Results.Json(new JsonObject { ["valid"] = true, ["name"] = loaded!.Name });
    }

    private static async Task<IResult> ListAsync(RunEngine engine, CancellationToken ct)
    {
        var names = await engine.Definitions.ListNamesAsync(ct);
        return Results.Json(new JsonObject
        {
            ["definitions"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject
            {
                ["name"] = n.Name,
                ["latestVersion"] = n.LatestVersion,
                ["versionCount"] = n.VersionCount,
                ["lastPublishedAt"] = Time(n.LastPublishedAt),
            }).ToArray()),
        });
    }

    private static async Task<IResult> VersionsAsync(string name, RunEngine engine, CancellationToken ct)
    {
        var versions = await engine.Definitions.ListVersionsAsync(name, ct);
        return versions.Count == 0
            ? UnknownName(name)
            : Results.Json(new JsonObject { ["name"] = name, ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Summary(v)).ToArray()) });
    }

    private static async Task<IResult> ShowAsync(string name, int version, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Definitions.GetAsync(name, version, ct) is not { } found) return await UnknownVersionAsync(engine, name, version, ct);
        var body = Summary(found);
        body["yaml"] = found.Yaml;
        // The parsed form: the document as JSON, scalars typed as the loader reads them (YAML 1.2 core schema).
        var tree = Yaml.YamlReader.Read($"{found.Reference}", found.Yaml, new Diagnostics.DiagnosticBag());
        body["pipeline"] = tree is null ? null : Definitions.YamlScalars.ToJson(tree);
        return Results.Json(body);
    }

    /// <summary>The newest version not retracted, as <see cref="ShowAsync"/> shows one: opening a pipeline in one call.</summary>
    private static async Task<IResult> LatestAsync(string name, RunEngine engine, CancellationToken ct)
    {
        var versions = await engine.Definitions.ListVersionsAsync(name, ct);
        if (versions.Count == 0) return UnknownName(name);
        return versions.LastOrDefault(v => !v.IsRetracted) is { } latest
            ? await ShowAsync(name, latest.Version, engine, ct)
            : ApiErrors.NotFound($"every version of {name} is retracted", $"publish it again, or read a retracted one at /api/definitions/{name}/versions/{{n}}");
    }

    private static async Task<IResult> RetractAsync(string name, int version, RunEngine engine, PipelineScheduler scheduler, CancellationToken ct)
    {
        if (await engine.Definitions.RetractAsync(name, version, ct) is not { } retracted) return await UnknownVersionAsync(engine, name, version, ct);
        await scheduler.SyncAsync(name, ct);
        return Results.Json(Summary(retracted));
    }

    /// <summary>
    /// The posted pipeline, validated: YAML as the body (<c>application/yaml</c>, <c>text/yaml</c>, <c>text/plain</c> or no
    /// type), or <c>{"yaml": "..."}</c> as JSON, read and validated within the bounds of the <see cref="ValidationGate"/>.
    /// Invalid ones become a 400 listing the diagnostics; one over 1 MiB a 413.
    /// </summary>
    private static async Task<(PipelineDefinition? Pipeline, IResult? Error)> LoadAsync(HttpRequest request, ActivityCatalog catalog, ValidationGate gate)
    {
        var mediaType = RequestBody.MediaType(request);
        if (!RequestBody.IsJson(mediaType) && mediaType is not (null or "application/yaml" or "application/x-yaml" or "text/yaml" or "text/x-yaml" or "text/plain"))
        {
            return (null, ApiErrors.Error(StatusCodes.Status415UnsupportedMediaType, $"cannot read a pipeline sent as {mediaType}",
                "send the YAML as application/yaml, or {\"yaml\": \"...\"} as application/json"));
        }

        var (loaded, error) = await gate.LoadAsync(request.HttpContext, ct => ReadYamlAsync(request, mediaType, ct),
            content => PipelineLoader.Load(SourceName, content, catalog));
        if (error is not null) return (null, error);
        return loaded!.Succeeded ? (loaded.Pipeline, null) : (null, ApiErrors.Invalid(loaded.Diagnostics, loaded.Omitted));
    }

    /// <summary>The pipeline's bytes, at most 1 MiB (the loader's limit), from a YAML or a JSON body.</summary>
    internal static async Task<(byte[]? Content, IResult? Error)> ReadYamlAsync(HttpRequest request, string? mediaType, CancellationToken ct)
    {
        var maxBytes = YamlLimits.Default.MaxBytes;
        if (!RequestBody.IsJson(mediaType))
        {
            return await RequestBody.ReadBytesAsync(request, ct, maxBytes, PipelineTooLarge);
        }

        var (body, error) = await RequestBody.ReadObjectAsync(request, ct);
        if (error is not null) return (null, error);
        if (body!["yaml"] is not JsonValue yaml || !yaml.TryGetValue<string>(out var text))
        {
            return (null, ApiErrors.BadRequest("the JSON body needs a string field 'yaml'", "send {\"yaml\": \"apiVersion: pipelines/v1\\n...\"}, or the YAML itself as application/yaml"));
        }

        var content = Encoding.UTF8.GetBytes(text);
        return content.Length > maxBytes ? (null, PipelineTooLarge()) : (content, null);
    }

    private static IResult PipelineTooLarge() =>
        ApiErrors.Error(StatusCodes.Status413PayloadTooLarge, $"the pipeline is larger than {YamlLimits.Default.MaxBytes / (1024 * 1024)} MiB, the most a pipeline may be",
            "keep large data (prompts, samples) in dataset files and refer to them by path");

    private static JsonObject Summary(DefinitionVersion version) => new()
    {
        ["name"] = version.Name,
        ["version"] = version.Version,
        ["hash"] = version.Hash,
        ["publishedAt"] = Time(version.PublishedAt),
        ["retractedAt"] = version.RetractedAt is { } retracted ? Time(retracted) : null,
    };

    private static async Task<IResult> UnknownVersionAsync(RunEngine engine, string name, int version, CancellationToken ct)
    {
        var versions = await engine.Definitions.ListVersionsAsync(name, ct);
        return versions.Count == 0
            ? UnknownName(name)
            : ApiErrors.NotFound($"{name} has no version {version}", $"its versions are 1 to {versions[^1].Version}");
    }

    private static IResult UnknownName(string name) =>
        ApiErrors.NotFound($"no pipeline named '{name}' is published", "GET /api/definitions lists the published pipelines");

    private static string? Time(DateTimeOffset time) => RunReport.Time(time.ToUnixTimeMilliseconds());
}
