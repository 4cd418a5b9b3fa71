using System.Text.Json.Nodes;
using Spectre.Console.Testing;

namespace Pipelines.Cli.Tests;

/// <summary>
/// A run that waits on a review: at a terminal it offers the review there and continues; without one (or with
/// <c>--no-input</c>) it exits 3 with the commands that decide it, and those commands work.
/// </summary>
public sealed class ReviewAtTerminalTests : IDisposable
{
    private const string TwiceReviewed = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: twice-reviewed }
        steps:
          first:
            uses: gate.human@1
            with: { title: First look, samples: [{ input: "a", output: "b" }] }
          second:
            uses: gate.human@1
            needs: [first]
            with: { title: Second look, samples: [{ input: "c", output: "d" }], rubric: [{ name: tone, description: Is it polite? }] }
          done:
            uses: core.echo@1
            needs: [second]
            with: { message: "tone ${{ steps.second.outputs.scores.tone }}" }
        """;

    private const string OnlyAlice = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: only-alice }
        steps:
          review:
            uses: gate.human@1
            with: { title: Alice decides, samples: [{ input: "a", output: "b" }], reviewers: [alice] }
        """;

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static string Reviewed => Path.Combine(Repository.Root, "pipelines", "reviewed.yaml");

    /// <summary>A terminal that answers the prompts with <paramref name="answers"/>, each followed by Enter.</summary>
    private static TestConsole Terminal(params string[] answers)
    {
        var console = new TestConsole().Interactive().Width(120);
        foreach (var answer in answers) console.Input.PushTextWithEnter(answer);
        return console;
    }

    private static string[] Commands(CliResult result) =>
        result.OutLines.Where(l => l.StartsWith("  pipelines review ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();

    /// <summary>Runs a printed command line (its words are plain: no quotes are needed for ids or the test's data directory).</summary>
    private static Task<CliResult> RunPrinted(string line)
    {
        Assert.DoesNotContain("'", line, StringComparison.Ordinal);
        var words = line.Split(' ');
        Assert.Equal("pipelines", words[0]);
        return Cli.RunAsync(words[1..]);
    }

    private async Task<JsonNode> ShowReviewAsync(string id) => JsonNode.Parse((await _workspace.RunAsync("review", "show", id)).Out)!;

    [Fact]
    public async Task Without_a_terminal_a_waiting_run_exits_3_and_prints_the_commands_that_decide_it_and_they_work()
    {
        var waiting = await _workspace.RunAsync("run", Reviewed);

        Assert.True(waiting.ExitCode == 3, waiting.ToString());
        var runId = RunPipelines.RunId(waiting);
        var reviewId = RunPipelines.ReviewId(waiting.Out);
        Assert.Contains($"run {runId} waits on review {reviewId} of step review (1 more approval needed): Check the generated subject line", waiting.OutLines);
        var data = $"--data-dir {_workspace.DataDirectory}";
        Assert.Equal([$"pipelines review show {reviewId} {data}", $"pipelines review approve {reviewId} {data}", $"pipelines review reject {reviewId} {data}"],
            Commands(waiting));
        Assert.Contains(waiting.OutLines, l => l.Contains("--score CRITERION=1..5 (coherence, relevance, factual_accuracy, helpfulness)", StringComparison.Ordinal));

        var shown = await RunPrinted(Commands(waiting)[0]);
        var approved = await RunPrinted(Commands(waiting)[1]);

        Assert.Equal(reviewId, (string?)JsonNode.Parse(shown.Out)!["id"]);
        Assert.True(approved.ExitCode == 0, approved.ToString());
        Assert.Equal("succeeded", (string?)(await RunPipelines.ShowJsonAsync(_workspace, runId))["status"]);
    }

    [Fact]
    public async Task The_printed_reject_command_rejects_the_review_and_fails_the_run()
    {
        var waiting = await _workspace.RunAsync("run", Reviewed, "--as", "carol");

        var rejected = await RunPrinted(Commands(waiting)[2]);

        Assert.Contains("--as carol", Commands(waiting)[2], StringComparison.Ordinal);
        Assert.True(rejected.ExitCode == 1, rejected.ToString());
        Assert.Equal("carol", (string?)(await ShowReviewAsync(RunPipelines.ReviewId(waiting.Out)))["decisions"]![0]!["reviewer"]);
        Assert.Equal("failed", (string?)(await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(waiting)))["status"]);
    }

    [Fact]
    public async Task At_a_terminal_the_review_is_shown_scored_and_approved_and_the_run_continues_to_success()
    {
        // Enter takes the offer; 7 is refused and asked again; two criteria are skipped.
        var terminal = Terminal("", "7", "5", "4", "", "", "approve", "reads well");

        var result = await _workspace.RunAsync(terminal, "run", Reviewed, "--as", "tester");

        Assert.True(result.ExitCode == 0, $"{result}\n--- terminal ---\n{terminal.Output}");
        var runId = RunPipelines.RunId(result);
        Assert.Contains($"Run {runId} waits on review", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("Check the generated subject line", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("Is the subject line accurate and useful", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("the finance team has published the Q3 figures", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("Subject: Quarterly numbers are in", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("a whole number from 1 to 5", terminal.Output, StringComparison.Ordinal);
        Assert.Contains(result.OutLines, l => l.EndsWith(": tester approved; the review is approved", StringComparison.Ordinal));
        Assert.Matches($@"(?m)^run {runId} succeeded in ", result.Out);
        Assert.Empty(Commands(result));

        var review = (await ShowReviewAsync(RunPipelines.ReviewId(terminal.Output))).AsObject();
        var decision = review["decisions"]![0]!;
        Assert.Equal("tester", (string?)decision["reviewer"]);
        Assert.Equal("""{"coherence":5,"relevance":4}""", decision["scores"]!.ToJsonString());
        Assert.Equal("reads well", (string?)decision["comment"]);
        var run = await RunPipelines.ShowJsonAsync(_workspace, runId);
        Assert.Equal("shipped; mean coherence 5", (string?)RunPipelines.Step(run, "ship")["outputs"]!["message"]);
    }

    [Fact]
    public async Task At_a_terminal_a_reject_fails_the_run()
    {
        var terminal = Terminal("y", "", "", "", "", "reject", "too vague");

        var result = await _workspace.RunAsync(terminal, "run", Reviewed, "--as", "tester");

        Assert.True(result.ExitCode == 1, $"{result}\n--- terminal ---\n{terminal.Output}");
        Assert.Matches(@"(?m)^run \w+ failed in .*rejected by tester \(""too vague""\)", result.Out);
        Assert.Equal("rejected", (string?)(await ShowReviewAsync(RunPipelines.ReviewId(terminal.Output)))["status"]);
    }

    [Fact]
    public async Task No_input_never_prompts_even_at_a_terminal()
    {
        var terminal = Terminal();

        var result = await _workspace.RunAsync(terminal, "run", Reviewed, "--no-input");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("", terminal.Output);
        Assert.Equal(3, Commands(result).Length);
    }

    [Fact]
    public async Task Declining_the_offer_leaves_the_run_waiting_with_the_commands()
    {
        var terminal = Terminal("n");

        var result = await _workspace.RunAsync(terminal, "run", Reviewed);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Review it now?", terminal.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Decision", terminal.Output, StringComparison.Ordinal);
        Assert.Equal(3, Commands(result).Length);
        Assert.Equal("open", (string?)(await ShowReviewAsync(RunPipelines.ReviewId(terminal.Output)))["status"]);
    }

    [Fact]
    public async Task Someone_the_review_does_not_name_is_told_so_at_the_terminal_and_given_the_commands()
    {
        var terminal = Terminal();

        var result = await _workspace.RunAsync(terminal, "run", _workspace.Write("alice.yaml", OnlyAlice), "--as", "mallory");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("which alice may decide, not mallory", terminal.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Review it now?", terminal.Output, StringComparison.Ordinal);
        Assert.Contains(result.OutLines, l => l.Contains("who may decide: alice", StringComparison.Ordinal));
        Assert.Equal(3, Commands(result).Length);
    }

    [Fact]
    public async Task Review_approve_continues_the_run_and_offers_the_next_review_it_waits_on_at_the_terminal()
    {
        var waiting = await _workspace.RunAsync("run", _workspace.Write("twice.yaml", TwiceReviewed), "--no-input");
        var terminal = Terminal("", "3", "approve", "");

        var result = await _workspace.RunAsync(terminal, "review", "approve", RunPipelines.ReviewId(waiting.Out), "--as", "tester", "--progress", "plain");

        Assert.True(result.ExitCode == 0, $"{result}\n--- terminal ---\n{terminal.Output}");
        Assert.Contains("Second look", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("Is it polite?", terminal.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("First look", terminal.Output, StringComparison.Ordinal);
        var run = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(waiting));
        Assert.Equal("succeeded", (string?)run["status"]);
        Assert.Equal("tone 3", (string?)RunPipelines.Step(run, "done")["outputs"]!["message"]);
    }
}
