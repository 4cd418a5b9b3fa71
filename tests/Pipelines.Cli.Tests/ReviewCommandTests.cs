using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines review</c>: list the open reviews, and approve one to continue its run here.</summary>
public sealed class ReviewCommandTests : IDisposable
{
    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: gated }
        steps:
          review:
            uses: gate.human@1
            with:
              title: Check the summaries
              samples: [{ input: "long text", output: "short text" }]
              reviewers: [alice]
          after:
            uses: core.echo@1
            needs: [review]
            with: { message: "coherence ${{ steps.review.outputs.scores.coherence }}" }
        """;

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private async Task<(string RunId, string ReviewId)> WaitingAsync()
    {
        var run = await _workspace.RunAsync("run", _workspace.Write("gated.yaml", Gated));
        Assert.Equal(3, run.ExitCode);
        var list = await _workspace.RunAsync("review", "list");
        Assert.Equal(0, list.ExitCode);
        var runId = RunPipelines.RunId(run);
        var row = Assert.Single(list.OutLines, l => l.Contains(runId, StringComparison.Ordinal));
        Assert.Contains("Check the summaries", row, StringComparison.Ordinal);
        Assert.Contains("open", row, StringComparison.Ordinal);
        return (runId, Regex.Match(row, @"^\s*([0-9a-z]{10})\s").Groups[1].Value);
    }

    [Fact]
    public async Task Review_list_shows_the_open_review_and_approve_continues_the_run_to_success()
    {
        var (runId, reviewId) = await WaitingAsync();

        var approved = await _workspace.RunAsync("review", "approve", reviewId, "--as", "alice", "--score", "coherence=4", "--comment", "fine", "--progress", "plain");
        var shown = JsonNode.Parse((await _workspace.RunAsync("review", "show", reviewId)).Out)!;

        Assert.True(approved.ExitCode == 0, approved.ToString());
        Assert.Contains($"run {runId}", approved.OutLines);
        Assert.Equal("approved", shown["status"]!.GetValue<string>());
        Assert.Equal("alice", shown["decisions"]![0]!["reviewer"]!.GetValue<string>());
        Assert.DoesNotContain((await _workspace.RunAsync("review", "list")).OutLines, l => l.Contains(runId, StringComparison.Ordinal));
        var run = await RunPipelines.ShowJsonAsync(_workspace, runId);
        Assert.Equal("succeeded", (string?)run["status"]);
    }

    [Fact]
    public async Task Someone_not_on_the_reviewers_list_is_refused_and_the_run_keeps_waiting()
    {
        var (_, reviewId) = await WaitingAsync();

        var refused = await _workspace.RunAsync("review", "reject", reviewId, "--as", "mallory");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("'mallory' is not a reviewer", refused.Error, StringComparison.Ordinal);
        Assert.Equal("open", JsonNode.Parse((await _workspace.RunAsync("review", "show", reviewId)).Out)!["status"]!.GetValue<string>());
    }
}
