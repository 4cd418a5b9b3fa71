using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipelines.Api;

/// <summary>The HTTP API's routes: <c>/healthz</c>, <c>/openapi/v1.json</c>, <c>/docs</c> (always open), <c>/metrics</c> and everything under <c>/api</c>.</summary>
public static class PipelinesApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Json(new JsonObject { ["status"] = "ok" })).ExcludeFromDescription();
        ObservabilityEndpoints.Map(endpoints);

        var api = endpoints.MapGroup("/api");
        DefinitionEndpoints.Map(api);
        DraftEndpoints.Map(api);
        RunEndpoints.Map(api);
        CatalogEndpoints.Map(api);
        ReviewEndpoints.Map(api);
        ArtifactEndpoints.Map(api);
        ModelEndpoints.Map(api);
        ScheduleEndpoints.Map(api);
        // Anything else under /api is a JSON 404, like every other error.
        api.Map("/{**rest}", (string? rest) => ApiErrors.NotFound($"no endpoint /api/{rest}", "see the endpoint list in the README"))
            .WithMetadata(new RequiresRole(ApiRoles.Viewer)).ExcludeFromDescription();
    }
}
