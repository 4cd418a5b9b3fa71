using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>/api/drafts</c>: the designer's drafts, saved under the pipeline's name whether or not they validate, and never
/// run (schedules follow published versions only). Publishing stays <c>POST /api/definitions</c>.
/// </summary>
public static class DraftEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var drafts = api.MapGroup("/drafts");
        drafts.MapGet("", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        drafts.MapGet("/{name}", GetAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        drafts.MapPut("/{name}", SaveAsync).WithMetadata(new RequiresRole(ApiRoles.Author));
        drafts.MapDelete("/{name}", DeleteAsync).WithMetadata(new RequiresRole(ApiRoles.Author));
    }

    private static async Task<IResult> ListAsync(RunEngine engine, CancellationToken ct)
    {
        var drafts = await engine.Drafts.ListAsync(ct);
        return Results.Json(new JsonObject { ["drafts"] = new JsonArray(drafts.Select(d => (JsonNode)Summary(d)).ToArray()) });
    }

    private static async Task<IResult> GetAsync(string name, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Drafts.GetAsync(name, ct) is not { } draft) return NoDraft(name);
        var body = Summary(draft);
        body["yaml"] = draft.Yaml;
        return Results.Json(body);
    }

    private static async Task<IResult> SaveAsync(string name, HttpRequest request, RunEngine engine, CancellationToken ct)
    {
        if (!DefinitionReference.IsValidName(name))
        {
            return ApiErrors.BadRequest($"'{name}' is not a pipeline name", "a draft is saved under its metadata.name: 1 to 63 lower-case letters, digits and '-'");
        }

        var (content, error) = await DefinitionEndpoints.ReadYamlAsync(request, RequestBody.MediaType(request), ct);
        if (error is not null) return error;
        return Results.Json(Summary(await engine.Drafts.SaveAsync(name, Encoding.UTF8.GetString(content!), ct)));
    }

    private static async Task<IResult> DeleteAsync(string name, RunEngine engine, CancellationToken ct) =>
        await engine.Drafts.DeleteAsync(name, ct) ? Results.Json(new JsonObject { ["name"] = name, ["deleted"] = true }) : NoDraft(name);

    private static JsonObject Summary(Draft draft) => new()
    {
        ["name"] = draft.Name,
        ["savedAt"] = RunReport.Time(draft.SavedAt.ToUnixTimeMilliseconds()),
    };

    private static IResult NoDraft(string name) =>
        ApiErrors.NotFound($"there is no draft of '{name}'", "GET /api/drafts lists the drafts; PUT /api/drafts/{name} saves one");
}
