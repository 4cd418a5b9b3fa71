using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Artifacts;
using Pipelines.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines runs show ID [--json]</c>: a run's header, params, steps and a summary of their outputs; with
/// <c>--json</c>, <see cref="RunReport"/> exactly.
/// </summary>
public static class RunShowCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var id = RunArguments.Id();
        var json = new Option<bool>("--json") { Description = "Print the run as JSON: id, pipeline, version, status, params and steps" };
        var command = new Command("show", "Show a run: its params, steps and outputs") { id, json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var store = await cli.RunsAsync(ct);
            var run = await RunArguments.FindAsync(store, result.GetValue(id)!, ct);
            var report = await RunReport.BuildAsync(store, await cli.DefinitionsAsync(ct), run.Id, ct) ?? throw RunArguments.NotFound(run.Id);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonOutput.Format(report));
                return ExitCodes.Ok;
            }

            var now = TimeProvider.System.GetUtcNow();
            var parameters = report["params"]!.AsObject();
            var fields = new List<(string Name, string? Value)>
            {
                ("run", run.Id),
                ("pipeline", $"{run.Pipeline}@{run.Version.ToString(CultureInfo.InvariantCulture)}"),
                ("status", run.Status),
                ("trigger", run.Trigger + (run.NoCache ? " (no cache)" : "")),
                ("created", RunArguments.Time(run.CreatedAt)),
                ("started", RunArguments.Time(run.StartedAt)),
                ("finished", run.FinishedAt is null ? null : RunArguments.Time(run.FinishedAt)),
                ("duration", RunArguments.Duration(run.StartedAt, run.FinishedAt, now)),
                ("error", run.Error),
                ("params", parameters.Count == 0 ? "(none)" : string.Join("  ", parameters.Select(p => $"{p.Key}={Summarise(p.Value, 60)}"))),
            };
            foreach (var (name, value) in fields.Where(f => f.Value is not null))
            {
                await cli.Out.WriteLineAsync($"{name,-9} {value}");
            }

            await cli.Out.WriteLineAsync();
            var steps = new Table().Border(TableBorder.Simple).AddColumns("STEP", "STATUS", "ATTEMPTS", "CACHED", "STARTED", "DURATION", "ERROR");
            var outputs = new List<(string Step, JsonObject Outputs)>();
            foreach (var step in report["steps"]!.AsArray().Select(s => s!.AsObject()))
            {
                var stepId = (string)step["id"]!;
                var started = Millis(step["started"]);
                steps.AddRow(
                    Markup.Escape(stepId),
                    (string)step["status"]!,
                    ((int)step["attempts"]!).ToString(CultureInfo.InvariantCulture),
                    (bool)step["cached"]! ? "yes" : "no",
                    RunArguments.Time(started),
                    RunArguments.Duration(started, Millis(step["finished"]), now),
                    Markup.Escape((string?)step["error"] ?? ""));

                // A matrix step's outputs.all already lists what each combination returned.
                var parent = stepId.IndexOf('[', StringComparison.Ordinal) is > 0 and var open ? stepId[..open] : null;
                if (step["outputs"] is JsonObject stepOutputs && stepOutputs.Count > 0 && !outputs.Any(o => o.Step == parent)) outputs.Add((stepId, stepOutputs));
            }

            cli.Console(cli.Out).Write(steps);
            if (outputs.Count > 0)
            {
                await cli.Out.WriteLineAsync("outputs");
                var width = outputs.Max(o => o.Step.Length);
                foreach (var (step, values) in outputs)
                {
                    await cli.Out.WriteLineAsync($"  {step.PadRight(width)}  {string.Join("  ", values.Select(v => $"{v.Key}={Summarise(v.Value, 60)}"))}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A value in a few characters: short text quoted, artifacts by digest prefix, lists by length, objects by keys.</summary>
    public static string Summarise(JsonNode? value, int max) => value switch
    {
        null => "null",
        JsonArray list => list.Count == 1 ? "[1 item]" : $"[{list.Count} items]",
        JsonObject map => map.Count == 0 ? "{}" : Cut("{" + string.Join(", ", map.Select(p => p.Key)) + "}", max),
        JsonValue text when text.GetValueKind() == JsonValueKind.String => ArtifactReference.TryParse((string)text!, out var artifact)
            ? $"{ArtifactReference.Prefix}{artifact.Digest[..12]}…"
            : Cut($"\"{((string)text!).ReplaceLineEndings(" ")}\"", max),
        _ => Cut(value.ToJsonString(), max),
    };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static long? Millis(JsonNode? time) =>
        time is null ? null : DateTimeOffset.Parse((string)time!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
}
