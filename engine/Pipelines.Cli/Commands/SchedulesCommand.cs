using System.CommandLine;
using Pipelines.Schedules;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines schedules [--json]</c>: the triggers of every pipeline's latest version, with their last fire and next
/// fire times, read from the store (no server needed).
/// </summary>
public static class SchedulesCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "Print the schedules as JSON" };
        var command = new Command("schedules", "List the triggers (schedules and monitors) of the published pipelines with their last and next fire times") { json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var entries = await ScheduleListing.ListAsync(await cli.DefinitionsAsync(ct), await cli.ScheduleStatesAsync(ct), cli.Catalog, TimeProvider.System.GetUtcNow(), ct);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonOutput.Format(ScheduleListing.Json(entries)));
                return ExitCodes.Ok;
            }

            if (entries.Count == 0)
            {
                await cli.Out.WriteLineAsync("no triggers: add `triggers: - schedule: \"<quartz cron>\"` (or `- monitor: {...}`, docs/serving.md) to a pipeline and publish it");
                return ExitCodes.Ok;
            }

            foreach (var entry in entries)
            {
                var trigger = entry.Trigger;
                var definition = trigger.Trigger;
                await cli.Out.WriteLineAsync(definition.Monitor is { } monitor
                    ? $"{trigger.Pipeline}@{trigger.Version} #{trigger.Index}  monitor {monitor.Model} when {monitor.When.Text}"
                    : $"{trigger.Pipeline}@{trigger.Version} #{trigger.Index}  \"{definition.Schedule}\" {definition.TimeZone ?? "UTC"}");
                if (definition.Monitor is { } watched)
                {
                    await cli.Out.WriteLineAsync($"  checks the last {Definitions.Duration.Format(watched.Window)} every {Definitions.Duration.Format(watched.Every)} " +
                        $"(at least {watched.MinRequests} requests), cooldown {Definitions.Duration.Format(watched.Cooldown)}; only while `serve` serves {watched.Model}");
                }

                await cli.Out.WriteLineAsync($"  params {ScheduleListing.Json(entry)["params"]!.ToJsonString()}  runs {(definition.Version is { } pinned ? $"@{pinned} (pinned)" : "the latest version")}  concurrency {ScheduleListing.Concurrency(entry)}");
                var last = entry.State?.LastFireAt is { } at
                    ? $"{DefinitionArguments.Time(at)}{(entry.State.LastRunId is { } run ? $" (run {run})" : "")}"
                    : "never";
                await cli.Out.WriteLineAsync($"  last fire {last}");
                if (definition.Schedule is not null) await cli.Out.WriteLineAsync($"  next {(entry.NextFires.Count == 0 ? "never" : string.Join(", ", entry.NextFires.Select(DefinitionArguments.Time)))}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
