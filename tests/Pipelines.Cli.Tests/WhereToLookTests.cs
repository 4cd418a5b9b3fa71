using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

/// <summary>The end of a run command names the artifacts a person opens (reports, adapters, models) with their paths.</summary>
public sealed partial class WhereToLookTests : IDisposable
{
    private const string CurateThenReview = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: curate-then-review }
        params:
          source: { type: string }
          review: { type: boolean, default: false }
        steps:
          curate:
            uses: data.curate@1
            with: { source: "${{ params.source }}", format: jsonl }
          review:
            uses: gate.human@1
            needs: [curate]
            when: ${{ params.review }}
            with: { title: Look at the card, samples: [{ input: "a", output: "b" }] }
        """;

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private async Task<CliResult> RunAsync(bool review)
    {
        static string Line(int i) => $$"""{"prompt": "Summarise note {{i}} about the weekly planning meeting and what it decided", "completion": "note {{i}}"}""" + "\n";
        var data = _workspace.Write("notes.jsonl", string.Concat(Enumerable.Range(0, 10).Select(Line)));
        return await _workspace.RunAsync("run", _workspace.Write("curate.yaml", CurateThenReview), "-p", $"source={data}", "-p", $"review={(review ? "true" : "false")}");
    }

    /// <summary>The lines under <c>where to look:</c> as (output, kind, path).</summary>
    private static List<(string Output, string Kind, string Path)> Listed(CliResult result) =>
        result.OutLines.SkipWhile(l => l != "where to look:").Skip(1).Select(l => ListedLine().Match(l)).TakeWhile(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    [Fact]
    public async Task A_finished_run_lists_its_reports_at_the_paths_artifacts_path_gives_and_leaves_datasets_out()
    {
        var result = await RunAsync(review: false);

        Assert.True(result.ExitCode == 0, result.ToString());
        var (output, kind, path) = Assert.Single(Listed(result));
        Assert.Equal(("curate.card", "report"), (output, kind));
        Assert.True(File.Exists(path), path);
        var run = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(result));
        var card = (string)RunPipelines.Step(run, "curate")["outputs"]!["card"]!;
        Assert.Equal(path, (await _workspace.RunAsync("artifacts", "path", card)).OutLines[^1]);
        Assert.Contains("# ", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_waiting_run_lists_what_it_made_so_far_before_the_commands_that_decide_its_review()
    {
        var result = await RunAsync(review: true);

        Assert.True(result.ExitCode == 3, result.ToString());
        var (output, _, path) = Assert.Single(Listed(result));
        Assert.Equal("curate.card", output);
        Assert.True(File.Exists(path), path);
        var listAt = Array.IndexOf(result.OutLines, "where to look:");
        var commandsAt = Array.FindIndex(result.OutLines, l => l.Contains(" waits on review ", StringComparison.Ordinal));
        Assert.InRange(listAt, 0, commandsAt - 1);
    }

    [GeneratedRegex(@"^  (\S+) +(\S+) +(/\S+)")]
    private static partial Regex ListedLine();
}
