using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// <c>GET /api/runs/{id}/events</c>: a run live, as Server-Sent Events. First <c>snapshot</c> (the run report), then
/// <c>step</c>, <c>progress</c>, <c>log</c> and <c>run</c> events as they happen, a <c>: keep-alive</c> comment every
/// 15 s; the stream ends after the <c>run</c> event of a terminal status, or when the client goes away. Events come
/// as they happen from a run this process coordinates. On a shared store a run may be coordinated by another host (it
/// started there, a schedule fired there, a worker took it over): while it is, the stream reads the run from the store
/// every <see cref="StorePoll"/> and sends a <c>step</c> event for each step whose status or attempt changed and a
/// <c>run</c> event for the run's, so a watcher sees the run move whichever host runs it (without its live log lines and
/// progress, which only the coordinator has).
/// </summary>
public static class RunEventStream
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How often a run coordinated by another host is read from the shared store.</summary>
    public static readonly TimeSpan StorePoll = TimeSpan.FromSeconds(1);

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

        var seen = new Seen(snapshot);
        var reader = subscription.Reader;
        Task<bool>? next = null;
        var lastWrite = engine.Time.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            next ??= reader.WaitToReadAsync(ct).AsTask();
            var elsewhere = engine.Options.SharedStore is not null && !engine.IsExecuting(id);
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var timer = Task.Delay(elsewhere ? StorePoll : KeepAlive, engine.Time, quiet.Token);
                if (await Task.WhenAny(next, timer) != next)
                {
                    if (ct.IsCancellationRequested) break;
                    if (elsewhere && await RunReport.BuildAsync(engine.Runs, engine.Definitions, id, ct) is { } stored)
                    {
                        foreach (var (name, data) in seen.Changes(stored, engine.Time.GetUtcNow()))
                        {
                            await WriteAsync(response, name, data, ct);
                            lastWrite = engine.Time.GetTimestamp();
                            if (name == "run" && StatusNames.ParseRun(data["status"]!.GetValue<string>()).IsTerminal()) return Results.Empty;
                        }
                    }

                    if (engine.Time.GetElapsedTime(lastWrite) >= KeepAlive)
                    {
                        await response.WriteAsync(": keep-alive\n\n", ct);
                        await response.Body.FlushAsync(ct);
                        lastWrite = engine.Time.GetTimestamp();
                    }

                    continue;
                }

                await quiet.CancelAsync();
            }

            if (!await next) break;
            next = null;
            while (reader.TryRead(out var e))
            {
                seen.Sent(e);
                var (name, data) = Describe(e);
                await WriteAsync(response, name, data, ct);
                lastWrite = engine.Time.GetTimestamp();
                if (e is RunStatusChanged changed && changed.Status.IsTerminal()) return Results.Empty;
            }
        }

        return Results.Empty;
    }

    /// <summary>
    /// The run's and each step's status (and attempt) as the stream last told them, whether from a live event or from the
    /// store, so that a read of the store sends only what changed since.
    /// </summary>
    private sealed class Seen
    {
        private readonly Dictionary<string, (string Status, int Attempts)> _steps = new(StringComparer.Ordinal);
        private string _run;

        public Seen(JsonObject report)
        {
            _run = report["status"]!.GetValue<string>();
            foreach (var step in report["steps"]!.AsArray()) _steps[step!["id"]!.GetValue<string>()] = State(step);
        }

        public void Sent(RunEvent e)
        {
            if (e is StepStatusChanged step) _steps[step.StepId] = (step.Status.Name(), step.Attempt);
            else if (e is RunStatusChanged run) _run = run.Status.Name();
        }

        /// <summary>The events that tell the changes from what was told to <paramref name="report"/>, steps first.</summary>
        public List<(string Name, JsonObject Data)> Changes(JsonObject report, DateTimeOffset now)
        {
            var changes = new List<(string, JsonObject)>();
            var runId = report["id"]!.GetValue<string>();
            foreach (var step in report["steps"]!.AsArray())
            {
                var stepId = step!["id"]!.GetValue<string>();
                var state = State(step);
                if (_steps.TryGetValue(stepId, out var told) && told == state) continue;
                _steps[stepId] = state;
                changes.Add(("step", new JsonObject
                {
                    ["runId"] = runId, ["at"] = now.ToString("O"), ["stepId"] = stepId, ["status"] = state.Status, ["attempt"] = state.Attempts,
                    ["cached"] = step["cached"]?.DeepClone(), ["error"] = step["error"]?.DeepClone(), ["outputs"] = step["outputs"]?.DeepClone(),
                }));
            }

            var status = report["status"]!.GetValue<string>();
            if (status != _run)
            {
                _run = status;
                changes.Add(("run", new JsonObject { ["runId"] = runId, ["at"] = now.ToString("O"), ["status"] = status, ["error"] = report["error"]?.DeepClone() }));
            }

            return changes;
        }

        private static (string Status, int Attempts) State(JsonNode step) => (step["status"]!.GetValue<string>(), step["attempts"]!.GetValue<int>());
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
