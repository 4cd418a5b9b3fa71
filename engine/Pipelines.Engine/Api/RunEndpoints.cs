using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Pipelines.Hosting;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary><c>/api/runs</c>: start (queued to the <see cref="RunWorker"/>), list, show, cancel and resume runs.</summary>
public static class RunEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static void Map(IEndpointRouteBuilder api)
    {
        var runs = api.MapGroup("/runs");
        runs.MapPost("", StartAsync).WithMetadata(new RequiresRole(ApiRoles.Operator));
        runs.MapGet("", ListAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        runs.MapGet("/{id}", ShowAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        runs.MapGet("/{id}/logs", LogsAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer));
        runs.MapPost("/{id}/cancel", CancelAsync).WithMetadata(new RequiresRole(ApiRoles.Operator));
        runs.MapPost("/{id}/resume", ResumeAsync).WithMetadata(new RequiresRole(ApiRoles.Operator))
            .WithSummary("continue a failed, cancelled or interrupted run from the steps that did not succeed");
        runs.MapGet("/{id}/events", RunEventStream.StreamAsync).WithMetadata(new RequiresRole(ApiRoles.Viewer))
            .WithSummary("the run live as Server-Sent Events: snapshot, then step/progress/log/run until it ends").Produces(200, contentType: "text/event-stream");
    }

    /// <summary><c>{"pipeline": "name" | "name@N", "params": {...}, "noCache": bool, "timeout": "30m"}</c> → 202 <c>{"id"}</c>.</summary>
    private static async Task<IResult> StartAsync(HttpRequest request, RunEngine engine, RunQueue queue, CancellationToken ct)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(request, ct);
        if (error is not null) return error;

        var problems = new List<string>();
        var pipelineText = body!["pipeline"] is JsonValue p && p.TryGetValue<string>(out var text) ? text : null;
        DefinitionReference? reference = null;
        if (pipelineText is null) problems.Add("'pipeline' is required: a published NAME or NAME@N");
        else if (!DefinitionReference.TryParse(pipelineText, out reference, out var referenceError)) problems.Add(referenceError);

        var overrides = new JsonObject();
        switch (body["params"])
        {
            case null:
                break;
            case JsonObject given:
                overrides = (JsonObject)given.DeepClone();
                break;
            default:
                problems.Add("'params' must be an object of NAME: VALUE");
                break;
        }

        var noCache = false;
        if (body["noCache"] is { } noCacheNode && !(noCacheNode is JsonValue b && b.TryGetValue(out noCache))) problems.Add("'noCache' must be true or false");

        TimeSpan? timeout = null;
        if (body["timeout"] is { } timeoutNode)
        {
            if (timeoutNode is JsonValue t && t.TryGetValue<string>(out var timeoutText) && Duration.TryParse(timeoutText, out var parsed, out _))
            {
                if (parsed > TimeSpan.Zero) timeout = parsed;
                else problems.Add("'timeout' must be longer than zero: a run given no time fails before it starts; leave it out for no limit");
            }
            else problems.Add($"'timeout' must be a duration; {Duration.Help}");
        }

        var unknown = body.Select(kv => kv.Key).Where(k => k is not ("pipeline" or "params" or "noCache" or "timeout")).ToList();
        problems.AddRange(unknown.Select(k => $"unknown field '{k}'; a run takes pipeline, params, noCache and timeout"));
        if (problems.Count > 0) return Refused(problems);

        var version = await engine.Definitions.GetAsync(reference!.Name, reference.Version, ct);
        if (version is null)
        {
            var versions = await engine.Definitions.ListVersionsAsync(reference.Name, ct);
            if (versions.Count == 0)
            {
                return ApiErrors.NotFound($"no pipeline named '{reference.Name}' is published", "publish it with POST /api/definitions first");
            }

            return reference.Version is { } number
                ? ApiErrors.NotFound($"{reference.Name} has no version {number}", $"its versions are 1 to {versions[^1].Version}")
                : Refused([$"every version of {reference.Name} is retracted; publish it again to run it"]);
        }

        string id;
        try
        {
            id = await engine.CreateRunAsync(version, overrides, new RunRequest { Trigger = "api", NoCache = noCache, Timeout = timeout }, ct);
        }
        catch (RunRequestException e)
        {
            return Refused(e.Problems);
        }

        queue.Enqueue(id);
        return Results.Json(new JsonObject { ["id"] = id, ["pipeline"] = version.Reference, ["status"] = RunStatus.Pending.Name() },
            statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(string? pipeline, string? status, int? limit, RunEngine engine, CancellationToken ct)
    {
        if (status is not null && !Enum.GetValues<RunStatus>().Any(s => s.Name() == status))
        {
            return ApiErrors.BadRequest($"'{status}' is not a run status", $"use one of {string.Join(", ", Enum.GetValues<RunStatus>().Select(s => s.Name()))}");
        }

        if (limit is < 1 or > MaxLimit) return ApiErrors.BadRequest($"limit must be 1 to {MaxLimit}", $"leave it out for the newest {DefaultLimit}");

        var runs = await engine.Runs.ListRunsAsync(string.IsNullOrEmpty(pipeline) ? null : pipeline, status, limit ?? DefaultLimit, ct);
        return Results.Json(new JsonObject
        {
            ["runs"] = new JsonArray(runs.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Id,
                ["pipeline"] = r.Pipeline,
                ["version"] = r.Version,
                ["status"] = r.Status,
                ["trigger"] = r.Trigger,
                ["createdAt"] = RunReport.Time(r.CreatedAt),
                ["startedAt"] = RunReport.Time(r.StartedAt),
                ["finishedAt"] = RunReport.Time(r.FinishedAt),
                ["error"] = r.Error,
            }).ToArray()),
        });
    }

    private static async Task<IResult> ShowAsync(string id, RunEngine engine, CancellationToken ct) =>
        await RunReport.BuildAsync(engine.Runs, engine.Definitions, id, ct) is { } report ? Results.Json(report) : UnknownRun(id);

    /// <summary>
    /// <c>GET /api/runs/{id}/logs[?step=ID]</c>: the run's stored log lines (a step's and its matrix children's with
    /// <c>step</c>), oldest first, as <c>{"lines": [{"step", "at", "line"}]}</c> — what <c>pipelines runs logs</c> prints.
    /// </summary>
    private static async Task<IResult> LogsAsync(string id, string? step, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Runs.GetRunAsync(id, ct) is null) return UnknownRun(id);
        var lines = (await engine.Runs.GetLogsAsync(id, step, ct))
            .Select(l => (JsonNode)new JsonObject
            {
                ["step"] = l.StepId,
                ["at"] = RunReport.Time(l.At),
                ["line"] = l.Line,
            });
        return Results.Json(new JsonObject { ["lines"] = new JsonArray([.. lines]) });
    }

    private static async Task<IResult> CancelAsync(string id, RunEngine engine, CancellationToken ct)
    {
        if (await engine.Runs.GetRunAsync(id, ct) is not { } run) return UnknownRun(id);
        if (StatusNames.ParseRun(run.Status).IsTerminal())
        {
            return ApiErrors.Error(StatusCodes.Status409Conflict, $"run {id} already {run.Status}; nothing to cancel");
        }

        await engine.CancelAsync(id, ct);
        return Results.Json(new JsonObject { ["id"] = id, ["status"] = "cancelling" }, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// <c>POST /api/runs/{id}/resume</c>: queues the run for this host's worker again. A failed or cancelled run is
    /// reopened first (<see cref="Runtime.Stores.IRunStore.ReopenAsync"/>: what did not succeed runs again, what succeeded stays); an
    /// interrupted one (pending or running, its process gone) is taken over as at start-up. 409 for a run that
    /// succeeded, waits on a review, or runs in a live process.
    /// </summary>
    private static async Task<IResult> ResumeAsync(string id, RunEngine engine, RunQueue queue, CancellationToken ct)
    {
        if (await engine.Runs.GetRunAsync(id, ct) is not { } run) return UnknownRun(id);
        var status = StatusNames.ParseRun(run.Status);
        switch (status)
        {
            case RunStatus.Succeeded:
                return ApiErrors.Error(StatusCodes.Status409Conflict, $"run {id} already succeeded; nothing to resume",
                    "start a new run of its pipeline (POST /api/runs); cached steps are reused");
            case RunStatus.Waiting:
                return ApiErrors.Error(StatusCodes.Status409Conflict, $"run {id} is waiting on a review; a decision resumes it",
                    "decide the review: GET /api/reviews?status=open lists them, POST /api/reviews/{id}/decision decides one");
            case RunStatus.Pending or RunStatus.Running when !ResumableRuns.IsInterrupted(run, engine.Time.GetUtcNow().ToUnixTimeMilliseconds()):
                return ApiErrors.Error(StatusCodes.Status409Conflict, $"run {id} is {run.Status} in a live process; nothing to resume",
                    $"wait for it to end, or cancel it (POST /api/runs/{id}/cancel) and resume it then");
            case RunStatus.Failed or RunStatus.Cancelled when !await engine.Runs.ReopenAsync(id, ct):
                return ApiErrors.Error(StatusCodes.Status409Conflict, $"run {id} changed while it was being resumed", $"read it again: GET /api/runs/{id}");
        }

        queue.Enqueue(id);
        return Results.Json(new JsonObject { ["id"] = id, ["status"] = "resuming", ["was"] = status.Name() }, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Refused(IReadOnlyList<string> problems) =>
        ApiErrors.Error(StatusCodes.Status400BadRequest, "the run cannot start: " + string.Join("; ", problems), null,
            body => body["problems"] = new JsonArray(problems.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()));

    private static IResult UnknownRun(string id) => ApiErrors.NotFound($"no run with id '{id}'", "GET /api/runs lists the runs, newest first");
}
