using System.CommandLine;
using System.Globalization;
using Pipelines.Cli.Runs;
using Pipelines.Persistence;
using Pipelines.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>Shared steps of the commands that name a run.</summary>
internal static class RunArguments
{
    public static Argument<string> Id() => new("id") { Description = "A run id, as printed by `pipelines run` and listed by `pipelines runs`" };

    /// <summary>The run with that id (ids are case-insensitive), or a user error saying where to find ids.</summary>
    public static async Task<RunRow> FindAsync(Pipelines.Runtime.Stores.IRunStore store, string id, CancellationToken ct) =>
        await store.GetRunAsync(id.Trim().ToLowerInvariant(), ct) ?? throw NotFound(id);

    public static UserError NotFound(string id) => new($"no run with id {id}", "`pipelines runs` lists them");

    public static string Time(long? unixMilliseconds) =>
        unixMilliseconds is { } ms ? DefinitionArguments.Time(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : "-";

    /// <summary>
    /// Whether no process holds the run now: it was detached or never started, or its owner stopped renewing the lease.
    /// (Only the lease decides: a process that died a moment ago still looks alive until its lease expires.)
    /// </summary>
    public static bool IsUnowned(RunRow run, DateTimeOffset now) =>
        !StatusNames.ParseRun(run.Status).IsTerminal() && (run.Owner is null || run.LeaseExpiresAt < now.ToUnixTimeMilliseconds());

    /// <summary>How long a run (or step) took, or has taken so far when it has not finished.</summary>
    public static string Duration(long? startedAt, long? finishedAt, DateTimeOffset now) =>
        startedAt is null ? "-" : DurationText.Between(startedAt, finishedAt ?? now.ToUnixTimeMilliseconds())!;
}

/// <summary>
/// <c>pipelines runs [--pipeline NAME] [--status S] [--limit N]</c>: runs, newest first; its subcommands show one
/// run, print its logs, cancel it and resume it.
/// </summary>
public static class RunsCommand
{
    private static readonly string[] Statuses = Enum.GetValues<RunStatus>().Select(s => s.Name()).ToArray();

    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var pipeline = new Option<string?>("--pipeline") { Description = "Only runs of this pipeline" };
        var status = new Option<string?>("--status") { Description = $"Only runs in this status: {string.Join(", ", Statuses)}" };
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many runs", DefaultValueFactory = _ => 20 };
        var command = new Command("runs", "List runs, newest first; show one, read its logs, cancel or resume it")
        {
            pipeline, status, limit,
            RunShowCommand.Create(context),
            RunLogsCommand.Create(context),
            RunCancelCommand.Create(context),
            RunResumeCommand.Create(context),
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var wanted = result.GetValue(status)?.Trim().ToLowerInvariant();
            if (wanted is not null && !Statuses.Contains(wanted))
            {
                throw new UserError($"unknown run status '{result.GetValue(status)}'",
                    Diagnostics.NearestName.Hint(wanted, Statuses) ?? $"statuses: {string.Join(", ", Statuses)}");
            }

            var count = result.GetValue(limit);
            if (count < 1) throw new UserError($"--limit must be 1 or more, not {count}");

            var runs = await (await cli.RunsAsync(ct)).ListRunsAsync(result.GetValue(pipeline), wanted, count, ct);
            if (runs.Count == 0)
            {
                await cli.Error.WriteLineAsync(result.GetValue(pipeline) is null && wanted is null ? "no runs yet; start one with `pipelines run FILE`" : "no runs match");
                return ExitCodes.Ok;
            }

            var now = TimeProvider.System.GetUtcNow();
            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "PIPELINE@V", "STATUS", "STARTED", "DURATION", "TRIGGER");
            foreach (var run in runs)
            {
                var state = run.Status + (run.Status == "running" && RunArguments.IsUnowned(run, now) ? " (detached)" : "");
                table.AddRow(run.Id, Markup.Escape($"{run.Pipeline}@{run.Version.ToString(CultureInfo.InvariantCulture)}"), state,
                    RunArguments.Time(run.StartedAt), RunArguments.Duration(run.StartedAt, run.FinishedAt, now), Markup.Escape(run.Trigger));
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
