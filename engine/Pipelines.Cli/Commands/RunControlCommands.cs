using System.CommandLine;
using Pipelines.Cli.Reviews;
using Pipelines.Cli.Runs;
using Pipelines.Runtime;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines runs cancel ID</c>: asks whichever process executes the run to cancel it.</summary>
public static class RunCancelCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var id = RunArguments.Id();
        var command = new Command("cancel", "Cancel a run: running steps stop, nothing new starts; the run ends cancelled") { id };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var store = await cli.RunsAsync(ct);
            var run = await RunArguments.FindAsync(store, result.GetValue(id)!, ct);
            if (StatusNames.ParseRun(run.Status).IsTerminal())
            {
                await cli.Out.WriteLineAsync($"run {run.Id} already {run.Status}; nothing to cancel");
                return ExitCodes.Ok;
            }

            await store.RequestCancelAsync(run.Id, ct);
            await cli.Out.WriteLineAsync($"cancel requested for {run.Id}");
            if (RunArguments.IsUnowned(run, TimeProvider.System.GetUtcNow()))
            {
                await cli.Error.WriteLineAsync($"no process is executing run {run.Id} now; it stops as soon as one resumes it (`pipelines runs resume {run.Id}`)");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>
/// <c>pipelines runs resume ID</c>: continues an interrupted run in this process, with the live display and exit
/// codes of <c>run</c>; a finished run only reports how it ended and where to look.
/// </summary>
public static class RunResumeCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var id = RunArguments.Id();
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Steps running at once (default: number of cores)" };
        var progress = RunCommand.ProgressOption();
        var reviewer = LocalReviewer.Option();
        var noInput = RunCommand.NoInputOption();
        var command = new Command("resume", "Continue an interrupted, failed or cancelled run here and show its progress (exit codes as for run)")
        {
            id, maxParallel, progress, reviewer, noInput,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            await using var engine = await cli.OpenEngineAsync(result.GetValue(maxParallel), ct);
            var run = await RunArguments.FindAsync(engine.Runs, result.GetValue(id)!, ct);
            var status = StatusNames.ParseRun(run.Status);
            // A failed or cancelled run is reopened, as POST /api/runs/{id}/resume does: what did not succeed runs again.
            if (status is RunStatus.Failed or RunStatus.Cancelled && await engine.Runs.ReopenAsync(run.Id, ct))
            {
                run = await engine.Runs.GetRunAsync(run.Id, ct) ?? run;
            }
            else if (status.IsTerminal())
            {
                await cli.Out.WriteLineAsync(RunDisplay.Summary(run, engine.Time.GetUtcNow()));
                await ArtifactsToOpen.PrintAsync(cli, engine, run, ct);
                return ExitCodes.For(status);
            }

            await cli.Out.WriteLineAsync($"run {run.Id}");
            await cli.Out.WriteLineAsync($"pipeline {run.Pipeline}@{run.Version} (resumed)");
            return await RunSession.ExecuteAsync(cli, engine, run, new RunSessionOptions(result.GetValue(progress), result.GetValue(reviewer), result.GetValue(noInput)), ct);
        });
        return command;
    }
}
