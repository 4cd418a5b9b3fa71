using System.CommandLine;
using System.Globalization;
using Pipelines.Cli.Reviews;
using Pipelines.Cli.Runs;
using Pipelines.Reviews;
using Pipelines.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines review list|show|approve|reject</c>: the human reviews of <c>gate.human</c> steps, worked on the store
/// directly. A decision is made as <see cref="LocalReviewer"/>; one that settles the review resumes the step and
/// continues the run here, as <c>runs resume</c> does (reviewing at the terminal when it waits again).
/// </summary>
public static class ReviewCommand
{
    public static Command Create(Func<ParseResult, CliContext> context) =>
        new("review", "Human reviews of gate.human steps: list, show, approve or reject")
        {
            List(context),
            Show(context),
            Decide(context, ReviewRules.Approve),
            Decide(context, ReviewRules.Reject),
        };

    private static Argument<string> Id() => new("id") { Description = "A review id, as listed by `pipelines review list`" };

    private static Command List(Func<ParseResult, CliContext> context)
    {
        var status = new Option<string?>("--status") { Description = "open (default), decided, approved, rejected or all" };
        var command = new Command("list", "List reviews, newest first (open ones unless --status says otherwise)") { status };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var wanted = result.GetValue(status)?.Trim().ToLowerInvariant() ?? Review.Open;
            if (wanted is not (Review.Open or "decided" or Review.Approved or Review.Rejected or "all"))
            {
                throw new UserError($"unknown review status '{wanted}'", "use open, decided, approved, rejected or all");
            }

            await using var engine = await cli.OpenEngineAsync(1, ct);
            var reviews = await engine.Reviews().ListAsync(wanted == "all" ? null : wanted, ct);
            if (reviews.Count == 0)
            {
                await cli.Error.WriteLineAsync(wanted == Review.Open ? "no open reviews" : "no reviews match");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("ID", "RUN", "STEP", "STATUS", "DECISIONS", "DEADLINE", "TITLE");
            foreach (var review in reviews)
            {
                var approvals = review.Decisions.Count(d => d.Decision == ReviewRules.Approve);
                table.AddRow(review.Id, review.RunId, Markup.Escape(review.StepId), review.Status,
                    $"{approvals.ToString(CultureInfo.InvariantCulture)}/{review.Approvals.ToString(CultureInfo.InvariantCulture)} approvals, {review.Decisions.Count - approvals} rejects",
                    RunArguments.Time(review.DeadlineAt), Markup.Escape(review.Title));
            }

            cli.Console(cli.Out).Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(Func<ParseResult, CliContext> context)
    {
        var id = Id();
        var command = new Command("show", "Show a review as JSON: samples, rubric, reviewers, decisions, mean scores, agreement") { id };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            await using var engine = await cli.OpenEngineAsync(1, ct);
            var review = await engine.Reviews().GetAsync(result.GetValue(id)!, ct) ?? throw NotFound(result.GetValue(id)!);
            await cli.Out.WriteLineAsync(ReviewJson.Review(review).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Decide(Func<ParseResult, CliContext> context, string decision)
    {
        var id = Id();
        var scores = new Option<string[]>("--score") { Description = "A criterion's score, CRITERION=1..5 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var comment = new Option<string?>("--comment") { Description = "Why" };
        var name = LocalReviewer.Option();
        var progress = RunCommand.ProgressOption();
        var noInput = RunCommand.NoInputOption();
        var verb = decision == ReviewRules.Approve ? "Approve" : "Reject";
        var command = new Command(decision, $"{verb} a review; when that settles it, continue its run here (exit codes as for run)")
        {
            id, scores, comment, name, progress, noInput,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var given = ParseScores(result.GetValue(scores) ?? []);
            var who = LocalReviewer.Identity(result.GetValue(name));
            await using var engine = await cli.OpenEngineAsync(null, ct);
            Review review;
            try
            {
                review = await ReviewResolution.DecideAsync(engine, result.GetValue(id)!, who, decision, given, result.GetValue(comment), ct);
            }
            catch (ReviewRefusedException e)
            {
                throw new UserError(e.Message, e.Hint, e.Reason is ReviewRefusal.Invalid or ReviewRefusal.NotFound ? ExitCodes.InvalidInput : ExitCodes.Failed);
            }

            await cli.Out.WriteLineAsync(DecisionLine(review, who.Name, decision));
            if (!review.IsDecided)
            {
                var approvals = review.Decisions.Count(d => d.Decision == ReviewRules.Approve);
                await cli.Out.WriteLineAsync($"{approvals} of {review.Approvals} approvals; run {review.RunId} keeps waiting");
                return ExitCodes.Waiting;
            }

            var run = await RunArguments.FindAsync(engine.Runs, review.RunId, ct);
            await cli.Out.WriteLineAsync($"run {run.Id}");
            await cli.Out.WriteLineAsync($"pipeline {run.Pipeline}@{run.Version} (resumed)");
            return await RunSession.ExecuteAsync(cli, engine, run, new RunSessionOptions(result.GetValue(progress), result.GetValue(name), result.GetValue(noInput)), ct);
        });
        return command;
    }

    /// <summary><c>review ID: NAME approved; the review is STATUS</c>, after a decision was recorded.</summary>
    internal static string DecisionLine(Review review, string reviewer, string decision) =>
        $"review {review.Id}: {reviewer} {(decision == ReviewRules.Approve ? "approved" : "rejected")}; the review is {review.Status}";

    private static Dictionary<string, int> ParseScores(IEnumerable<string> given)
    {
        var scores = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in given)
        {
            var parts = text.Split('=', 2);
            if (parts.Length != 2 || parts[0].Trim().Length == 0 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var score))
            {
                throw new UserError($"--score '{text}' is not CRITERION=N", "e.g. --score coherence=4");
            }

            scores[parts[0].Trim()] = score;
        }

        return scores;
    }

    private static UserError NotFound(string id) => new($"no review with id {id}", "`pipelines review list` lists the open ones");
}
