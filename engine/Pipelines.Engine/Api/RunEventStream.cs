using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>GET /api/runs/{id}/events</c>: a run live, as Server-Sent Events. First <c>snapshot</c> (the run report), then
/// <c>step</c>, <c>progress</c>, <c>log</c> and <c>run</c> events as they happen, a <c>: keep-alive</c> comment every
/// 15 s; the stream ends after the <c>run</c> event of a terminal status, or when the client goes away. Events come
/// from the runs this process executes (the worker of <c>serve</c>), not from other workers.
/// </summary>
public static class RunEventStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task<IResult> StreamAsync(string id, HttpContext context, RunEngine engine, CancellationToken ct)
    {
        // Subscribe before the snapshot, so nothing that happens in between is lost (at worst it is sent twice).
        using var subscription = engine.Events.Subscribe(id);
        if (await RunReport.BuildAsync(engine.Runs, engine.Definitions, id, ct) is not { } snapshot)
        {
            return ApiErrors.NotFound($"no run with id '{id}'", "GET /api/runs lists the runs, newest first");
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies must not buffer a live stream
        await WriteAsync(response, "snapshot", snapshot, ct);

        var status = StatusNames.ParseRun(snapshot["status"]!.GetValue<string>());
        if (status.IsTerminal())
        {
            await WriteAsync(response, "run", new JsonObject { ["runId"] = id, ["status"] = status.Name(), ["error"] = snapshot["error"]?.DeepClone() }, ct);
            return Results.Empty;
        }

        var reader = subscription.Reader;
        Task<bool>? next = null;
        while (!ct.IsCancellationRequested)
        {
            next ??= reader.WaitToReadAsync(ct).AsTask();
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var keepAlive = Task.Delay(KeepAlive, engine.Time, quiet.Token);
                if (await Task.WhenAny(next, keepAlive) != next)
                {
                    if (ct.IsCancellationRequested) break;
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }

                await quiet.CancelAsync();
            }

            if (!await next) break;
            next = null;
            while (reader.TryRead(out var e))
            {
                var (name, data) = Describe(e);
                await WriteAsync(response, name, data, ct);
                if (e is RunStatusChanged changed && changed.Status.IsTerminal()) return Results.Empty;
            }
        }

        return Results.Empty;
    }

    /// <summary>The SSE event name and camelCase JSON data of a run event.</summary>
    public static (string Name, JsonObject Data) Describe(RunEvent e) => e switch
    {
        RunStatusChanged run => ("run", new JsonObject
        {
            ["runId"] = run.RunId, ["at"] = run.At.ToString("O"), ["status"] = run.Status.Name(), ["error"] = run.Error,
        }),
        StepStatusChanged step => ("step", new JsonObject
        {
            ["runId"] = step.RunId, ["at"] = step.At.ToString("O"), ["stepId"] = step.StepId, ["status"] = step.Status.Name(),
            ["attempt"] = step.Attempt, ["cached"] = step.Cached, ["error"] = step.Error, ["outputs"] = step.Outputs?.DeepClone(),
        }),
        StepProgressed progress => ("progress", new JsonObject
        {
            ["runId"] = progress.RunId, ["at"] = progress.At.ToString("O"), ["stepId"] = progress.StepId,
            ["fraction"] = progress.Fraction, ["message"] = progress.Message,
            ["metrics"] = progress.Metrics is null ? null : new JsonObject(progress.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))),
        }),
        StepLogged log => ("log", new JsonObject
        {
            ["runId"] = log.RunId, ["at"] = log.At.ToString("O"), ["stepId"] = log.StepId, ["line"] = log.Line,
        }),
        _ => ("event", new JsonObject { ["runId"] = e.RunId, ["at"] = e.At.ToString("O") }),
    };

    // JSON written without indentation has no newlines, so each event's data is one `data:` line.
    private static async Task WriteAsync(HttpResponse response, string name, JsonNode data, CancellationToken ct)
    {
        var text = new StringBuilder().Append("event: ").Append(name).Append("\ndata: ").Append(data.ToJsonString()).Append("\n\n").ToString();
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
