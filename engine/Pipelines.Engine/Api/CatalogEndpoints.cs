using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>GET /api/activities</c> (the same JSON as <c>pipelines activities --json</c>) and <c>GET /api/schema</c> (the same
/// as <c>pipelines schema</c>).
/// </summary>
public static class CatalogEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/activities", (RunEngine engine) => Results.Json(DescriptorJson.Catalog(engine.Catalog))).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        api.MapGet("/schema", (RunEngine engine) => Results.Json(PipelineSchema.Generate(engine.Catalog))).WithMetadata(new RequiresRole(ApiRoles.Viewer));
    }
}
