using System.CommandLine;
using System.Globalization;
using Pipelines.Diagnostics;
using Pipelines.Runtime;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines runs logs ID [STEP]</c>: a run's log lines as <c>HH:mm:ss.fff step | line</c> (UTC); a step includes its matrix combinations.</summary>
public static class RunLogsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var id = RunArguments.Id();
        var step = new Argument<string?>("step") { Description = "Only this step (and its matrix combinations, step[0], step[1] ...)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("logs", "Print a run's log lines (times in UTC)") { id, step };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var store = await cli.RunsAsync(ct);
            var run = await RunArguments.FindAsync(store, result.GetValue(id)!, ct);
            var only = result.GetValue(step);
            if (only is not null)
            {
                var steps = (await RunReport.StepsInOrderAsync(store, await cli.DefinitionsAsync(ct), run, ct)).Select(s => s.StepId).ToList();
                if (!steps.Contains(only, StringComparer.Ordinal))
                {
                    var topLevel = steps.Where(s => !s.Contains('[', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
                    throw new UserError($"run {run.Id} has no step '{only}'", NearestName.Hint(only, steps) ?? $"its steps: {string.Join(", ", topLevel)}");
                }
            }

            var logs = await store.GetLogsAsync(run.Id, only, ct);
            if (logs.Count == 0)
            {
                await cli.Error.WriteLineAsync(only is null ? $"run {run.Id} has no log lines" : $"step {only} of run {run.Id} has no log lines");
                return ExitCodes.Ok;
            }

            var width = logs.Max(l => l.StepId.Length);
            foreach (var log in logs)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(log.At).UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
                await cli.Out.WriteLineAsync($"{at} {log.StepId.PadRight(width)} | {log.Line}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
