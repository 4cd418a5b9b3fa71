using Pipelines.Cli.Commands;
using Pipelines.Cli.Reviews;
using Pipelines.Persistence;
using Pipelines.Reviews;
using Pipelines.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Runs;

/// <summary>How a command that executes a run was asked to: progress display, who reviews, and whether it may ask.</summary>
public sealed record RunSessionOptions(ProgressMode Progress, string? Reviewer = null, bool NoInput = false);

/// <summary>
/// Executes a run in this process until it stops for good, for <c>run</c>, <c>runs resume</c> and
/// <c>review approve|reject</c>: shows its progress (<see cref="RunDisplay"/>); when it waits on reviews and a person
/// is at the terminal, offers to review them there and continues the run once a decision settles one; at the end says
/// where to look (<see cref="ArtifactsToOpen"/>) and, while the run still waits, prints the commands that decide its
/// reviews (<see cref="ReviewCommandLines"/>).
/// </summary>
public static class RunSession
{
    public static async Task<int> ExecuteAsync(CliContext cli, RunEngine engine, RunRow run, RunSessionOptions options, CancellationToken ct)
    {
        var terminal = options.NoInput ? null : cli.Terminal;
        var who = LocalReviewer.Identity(options.Reviewer);
        while (true)
        {
            var exit = await RunDisplay.ExecuteAsync(cli, engine, run, options.Progress, ct);
            if (exit == ExitCodes.Interrupted) return exit;
            if (exit == ExitCodes.Waiting && terminal is not null && await ReviewHereAsync(cli, engine, terminal, who, run.Id, ct))
            {
                run = await RunArguments.FindAsync(engine.Runs, run.Id, ct);
                await cli.Out.WriteLineAsync($"run {run.Id} continues");
                continue;
            }

            await ArtifactsToOpen.PrintAsync(cli, engine, run, ct);
            if (exit == ExitCodes.Waiting)
            {
                foreach (var review in await OpenReviewsAsync(engine, run.Id, ct))
                {
                    foreach (var line in ReviewCommandLines.For(review, options.Reviewer, cli.DataDirectoryOption)) await cli.Out.WriteLineAsync(line);
                }
            }

            return exit;
        }
    }

    /// <summary>
    /// Offers the run's open reviews one by one to <paramref name="who"/> at the terminal; true once a decision settled
    /// one (its step is resumed, so the run can go on). False when the person says no, may not decide any of them, or
    /// their decisions leave every review waiting for others.
    /// </summary>
    private static async Task<bool> ReviewHereAsync(CliContext cli, RunEngine engine, IAnsiConsole terminal, ReviewerIdentity who, string runId,
        CancellationToken ct)
    {
        foreach (var review in await OpenReviewsAsync(engine, runId, ct))
        {
            if (review.Decisions.Any(d => d.Reviewer == who.Name))
            {
                terminal.MarkupLine($"[dim]{Markup.Escape(who.Name)} already decided review {review.Id}; it waits for other reviewers[/]");
                continue;
            }

            if (!ReviewRules.Allows(review.Reviewers, who))
            {
                terminal.MarkupLine(Markup.Escape($"run {runId} waits on review {review.Id}, which {string.Join(", ", review.Reviewers)} may decide, "
                                                  + $"not {who.Name} (give --as NAME to decide as one of them)"));
                continue;
            }

            if (!await TerminalReview.OfferAsync(terminal, review, ct)) return false;
            TerminalReview.Show(terminal, review);
            var answer = await TerminalReview.AskAsync(terminal, review, ct);
            Review decided;
            try
            {
                decided = await ReviewResolution.DecideAsync(engine, review.Id, who, answer.Decision, answer.Scores, answer.Comment, ct);
            }
            catch (ReviewRefusedException e)
            {
                // Someone else decided it meanwhile, or the rules refused: the commands printed next show where it stands.
                await cli.Error.WriteLineAsync($"error: {e.Message}{(e.Hint is null ? "" : "; " + e.Hint)}");
                return false;
            }

            await cli.Out.WriteLineAsync(ReviewCommand.DecisionLine(decided, who.Name, answer.Decision));
            if (decided.IsDecided) return true;
        }

        return false;
    }

    /// <summary>The run's open reviews, oldest first.</summary>
    private static async Task<IReadOnlyList<Review>> OpenReviewsAsync(RunEngine engine, string runId, CancellationToken ct) =>
        (await engine.Reviews().ListAsync(Review.Open, ct)).Where(r => r.RunId == runId).OrderBy(r => r.CreatedAt).ToList();
}
