using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Registry;
using Pipelines.Runtime;
using Pipelines.Runtime.Stores;

namespace Pipelines.Api;

/// <summary>
/// <c>/api/models</c>: the model registry (<see cref="IModelRegistry"/>) — models, their versions, aliases and the
/// history of alias moves — and moving or rolling back an alias (role <c>operator</c>). A move is made as the bearer
/// token's name; with no tokens configured (loopback only) as <c>local</c>, as a review decision is. Registering
/// versions is not done here: <c>deploy.promote@1</c> registers them.
/// </summary>
/// <remarks>
/// An unknown model, version or alias is a 404, checked before the registry is asked to change anything (models,
/// versions and aliases are never deleted, so the check cannot go stale); every other <see cref="RegistryException"/>
/// (an invalid alias name, a rollback with no earlier target) is a 400 with its message and hint.
/// </remarks>
public static class ModelEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        var models = api.MapGroup("/models");
        models.MapGet("", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapGet("/{name}", ShowAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapGet("/{name}/versions", VersionsAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapGet("/{name}/versions/{version:int}", VersionAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapGet("/{name}/aliases/{alias}", ResolveAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapGet("/{name}/history", HistoryAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        models.MapPut("/{name}/aliases/{alias}", MoveAsync).WithMetadata(new RequiresRole(ApiRoles.Operator));
        models.MapPost("/{name}/aliases/{alias}/rollback", RollbackAsync).WithMetadata(new RequiresRole(ApiRoles.Operator));
    }

    private static async Task<IResult> ListAsync(RunEngine engine, CancellationToken ct) =>
        Results.Json(new JsonObject { ["models"] = RegistryJson.Array(await engine.Registry.ListModelsAsync(ct), RegistryJson.Model) });

    private static async Task<IResult> ShowAsync(string name, RunEngine engine, CancellationToken ct) =>
        await engine.Registry.GetModelAsync(name, ct) is { } model ? Results.Json(RegistryJson.Model(model)) : UnknownModel(name);

    private static async Task<IResult> VersionsAsync(string name, RunEngine engine, CancellationToken ct)
    {
        var versions = await engine.Registry.ListVersionsAsync(name, ct);
        return versions.Count == 0
            ? UnknownModel(name)
            : Results.Json(new JsonObject { ["model"] = name, ["versions"] = RegistryJson.Array(versions, RegistryJson.Version) });
    }

    private static async Task<IResult> VersionAsync(string name, int version, RunEngine engine, CancellationToken ct) =>
        await engine.Registry.GetVersionAsync(name, version, ct) is { } found
            ? Results.Json(RegistryJson.Version(found))
            : await UnknownVersionAsync(engine, name, version, ct);

    private static async Task<IResult> ResolveAsync(string name, string alias, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Registry.ResolveAliasAsync(name, alias, ct) is { } version) return Results.Json(RegistryJson.Version(version));
        return await engine.Registry.GetModelAsync(name, ct) is null ? UnknownModel(name) : UnknownAlias(name, alias);
    }

    /// <summary><c>?alias=</c> narrows it to one alias; without it every alias's moves, oldest first.</summary>
    private static async Task<IResult> HistoryAsync(string name, string? alias, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Registry.GetModelAsync(name, ct) is null) return UnknownModel(name);
        alias = string.IsNullOrEmpty(alias) ? null : alias;
        var moves = await engine.Registry.HistoryAsync(name, alias, ct);
        return Results.Json(new JsonObject { ["model"] = name, ["alias"] = alias, ["moves"] = RegistryJson.Array(moves, RegistryJson.Move) });
    }

    /// <summary><c>{"version": N, "reason": "..."}</c> → the move.</summary>
    private static async Task<IResult> MoveAsync(string name, string alias, HttpRequest request, RunEngine engine, CancellationToken ct)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(request, ct);
        if (error is not null) return error;

        var problems = new List<string>();
        int? version = null;
        if (body!["version"] is not { } versionNode) problems.Add("'version' is required: the version number the alias should point at");
        else if (versionNode is JsonValue v && v.TryGetValue<int>(out var number) && number >= 1) version = number;
        else problems.Add("'version' must be a whole number from 1");
        var reason = ReadReason(body, problems);
        problems.AddRange(Unknown(body, ["version", "reason"], "a move takes version and reason"));
        if (problems.Count > 0) return ApiErrors.BadRequest(string.Join("; ", problems), "send {\"version\": 3, \"reason\": \"...\"}");

        if (await engine.Registry.GetVersionAsync(name, version!.Value, ct) is null) return await UnknownVersionAsync(engine, name, version.Value, ct);
        return await ChangeAsync(() => engine.Registry.MoveAliasAsync(name, alias, version.Value, Actor(request), reason, ct));
    }

    /// <summary><c>{"reason": "..."}</c> or no body → the move back to the alias's previous target.</summary>
    private static async Task<IResult> RollbackAsync(string name, string alias, HttpRequest request, RunEngine engine, CancellationToken ct)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(request, ct);
        if (error is not null) return error;

        var problems = new List<string>();
        var reason = ReadReason(body!, problems);
        problems.AddRange(Unknown(body!, ["reason"], "a rollback takes reason only"));
        if (problems.Count > 0) return ApiErrors.BadRequest(string.Join("; ", problems), "send {\"reason\": \"...\"}, or no body");

        if (await engine.Registry.ResolveAliasAsync(name, alias, ct) is null)
        {
            return await engine.Registry.GetModelAsync(name, ct) is null ? UnknownModel(name) : UnknownAlias(name, alias);
        }

        return await ChangeAsync(() => engine.Registry.RollbackAsync(name, alias, Actor(request), reason, ct));
    }

    /// <summary>The optional <c>reason</c>: a string, or null when left out (or sent as null).</summary>
    private static string? ReadReason(JsonObject body, List<string> problems)
    {
        string? reason = null;
        if (body["reason"] is { } r && !(r is JsonValue rv && rv.TryGetValue(out reason))) problems.Add("'reason' must be a string");
        return reason;
    }

    private static IEnumerable<string> Unknown(JsonObject body, string[] known, string takes) =>
        body.Select(kv => kv.Key).Where(k => !known.Contains(k)).Select(k => $"unknown field '{k}'; {takes}");

    /// <summary>The move, or the registry's refusal as a 400 with its message and hint.</summary>
    private static async Task<IResult> ChangeAsync(Func<Task<AliasMove>> change)
    {
        try
        {
            return Results.Json(RegistryJson.Move(await change()));
        }
        catch (RegistryException e)
        {
            return ApiErrors.BadRequest(e.Message, e.Hint);
        }
    }

    /// <summary>Who moves the alias: the token's name, or <c>local</c> when no tokens are configured.</summary>
    private static string Actor(HttpRequest request) =>
        request.HttpContext.Items[typeof(ApiCaller)] is ApiCaller caller ? caller.Name : "local";

    private static async Task<IResult> UnknownVersionAsync(RunEngine engine, string name, int version, CancellationToken ct) =>
        await engine.Registry.GetModelAsync(name, ct) is { } model
            ? ApiErrors.NotFound($"{name} has no version {version}", $"its versions are 1 to {model.LatestVersion}; GET /api/models/{name}/versions lists them")
            : UnknownModel(name);

    private static IResult UnknownModel(string name) =>
        ApiErrors.NotFound($"no model named '{name}' is registered", "GET /api/models lists the registered models");

    private static IResult UnknownAlias(string name, string alias) =>
        ApiErrors.NotFound($"{name}@{alias} is not set", $"GET /api/models/{name} lists its aliases; PUT /api/models/{name}/aliases/{alias} {{\"version\": N}} sets it");
}
