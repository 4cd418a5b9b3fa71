using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Runtime;
using Pipelines.Schedules;

namespace Pipelines.Api;

/// <summary><c>GET /api/schedules</c>: every trigger of the latest versions, with its last fire and next fire times.</summary>
public static class ScheduleEndpoints
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/schedules", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));

    private static async Task<IResult> ListAsync(RunEngine engine, CancellationToken ct) =>
        Results.Json(ScheduleListing.Json(await ScheduleListing.ListAsync(engine.Definitions, engine.ScheduleStates, engine.Catalog, engine.Time.GetUtcNow(), ct)));
}
