using System.CommandLine;
using Pipelines.Cli.Reviews;
using Pipelines.Cli.Runs;
using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines run FILE|NAME[@N]</c>: publishes a file (or finds its identical version), starts a run, shows it
/// live and exits with its outcome: 0 succeeded, 1 failed, 3 waiting, 4 cancelled. A run that waits on a review offers
/// it to the person at the terminal (<see cref="RunSession"/>).
/// </summary>
public static class RunCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var target = new Argument<string>("pipeline") { Description = "A pipeline YAML file, or a published NAME or NAME@N" };
        var parameters = new Option<string[]>("--param", "-p") { Description = "Set a param: NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        var noCache = new Option<bool>("--no-cache") { Description = "Run every step even when a cached result exists" };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Steps running at once (default: number of cores)" };
        var timeout = new Option<string?>("--timeout") { Description = "Fail the run if it takes longer, e.g. 30m or 2h" };
        var progress = ProgressOption();
        var reviewer = LocalReviewer.Option();
        var noInput = NoInputOption();
        var command = new Command("run", "Run a pipeline and show its progress (exit 0 succeeded, 1 failed, 3 waiting, 4 cancelled; Ctrl+C detaches)")
        {
            target, parameters, noCache, maxParallel, timeout, progress, reviewer, noInput,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            TimeSpan? limit = null;
            if (result.GetValue(timeout) is { } text)
            {
                limit = Duration.TryParse(text, out var parsed, out var error) ? parsed : throw new UserError($"--timeout: {error}", Duration.Help);
                if (limit == TimeSpan.Zero)
                    throw new UserError("--timeout must be longer than zero: a run given no time fails before it starts", "leave --timeout out for no limit, or give the longest the run may take, e.g. 30m");
            }

            await using var engine = await cli.OpenEngineAsync(result.GetValue(maxParallel), ct);
            var (version, published) = await ResolveAsync(cli, engine, result.GetValue(target)!, ct);
            string runId;
            try
            {
                // The plan of a file just published is the definition validated above: the YAML is not parsed again.
                var plan = engine.Plan(version);
                var overrides = RunParams.FromPairs(plan.Pipeline, result.GetValue(parameters) ?? [], out var unreadable);
                var resolved = plan.ResolveParams(overrides, out var invalid); // every problem at once: unreadable values, unknown names, missing ones
                var errors = unreadable.Concat(invalid).ToList();
                if (errors.Count > 0) throw new UserError(string.Join("; ", errors), "params are NAME=VALUE; lists and objects as JSON, e.g. sizes=[4,8]");
                runId = await engine.CreateRunAsync(version, resolved!, new RunRequest { NoCache = result.GetValue(noCache), Timeout = limit }, ct);
            }
            catch (RunRequestException e)
            {
                throw new UserError(e.Message);
            }

            await cli.Out.WriteLineAsync($"run {runId}");
            await cli.Out.WriteLineAsync($"pipeline {version.Reference}{(published ? " (just published)" : "")}");
            var run = await engine.Runs.GetRunAsync(runId, ct) ?? throw new InvalidOperationException($"run {runId} vanished after it was created");
            return await RunSession.ExecuteAsync(cli, engine, run, new RunSessionOptions(result.GetValue(progress), result.GetValue(reviewer), result.GetValue(noInput)), ct);
        });
        return command;
    }

    /// <summary><c>--progress auto|live|plain</c>, shared with <c>runs resume</c>.</summary>
    public static Option<ProgressMode> ProgressOption() => new("--progress")
    {
        Description = "live: a table redrawn in place; plain: a line per status change and log line; auto: live on a terminal, plain otherwise",
        DefaultValueFactory = _ => ProgressMode.Auto,
    };

    /// <summary><c>--no-input</c>, shared with <c>runs resume</c> and <c>review approve|reject</c>: never ask at the terminal.</summary>
    public static Option<bool> NoInputOption() => new("--no-input")
    {
        Description = "Never prompt: a run that waits on a review exits 3 with the commands that decide it (as without a terminal)",
    };

    /// <summary>A file is validated and published (or matched to its identical version); a name is looked up.</summary>
    private static async Task<(DefinitionVersion Version, bool Published)> ResolveAsync(CliContext cli, RunEngine engine, string target, CancellationToken ct)
    {
        if (File.Exists(target) || target.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        {
            var loaded = PipelineLoader.LoadFile(target, engine.Catalog);
            if (!loaded.Succeeded)
            {
                DiagnosticPrinter.Print(cli.Console(cli.Error), loaded);
                throw new UserError($"{DiagnosticPrinter.File(target)}: {DiagnosticPrinter.Count(loaded)}; nothing was run");
            }

            var published = await engine.PublishAsync(loaded.Pipeline!, ct);
            return (published.Version, published.Created);
        }

        return (await DefinitionArguments.FindAsync(engine.Definitions, DefinitionArguments.Parse(target), ct), false);
    }
}
