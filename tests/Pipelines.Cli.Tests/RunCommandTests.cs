using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines run</c>: what it prints while a run goes, and the exit code that says how it ended.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_run_prints_its_id_first_then_each_step_and_a_summary_and_exits_0()
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);

        var result = await _workspace.RunAsync("run", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        var id = RunPipelines.RunId(result);
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ✓ greet +succeeded  \d+\.\d\ds$"));
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^    greet +\| Hello, world!$"));
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^    again +\| Hello, world! \(again\)$"));
        Assert.Matches($@"^run {id} succeeded in \d+\.\d\ds$", result.OutLines[^1]);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Running_the_same_pipeline_again_takes_every_deterministic_step_from_the_cache_unless_no_cache_is_given()
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);
        await _workspace.RunAsync("run", file);

        var again = await _workspace.RunAsync("run", file);
        var fresh = await _workspace.RunAsync("run", file, "--no-cache");

        Assert.Equal(0, again.ExitCode);
        Assert.Contains(again.OutLines, l => l.Contains("✓ greet", StringComparison.Ordinal) && l.Contains("(cached)", StringComparison.Ordinal));
        var cached = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(again));
        // core.sleep is not deterministic (its point is the wait), so it is never served from the cache.
        Assert.All(cached["steps"]!.AsArray(), s => Assert.Equal((string)s!["id"]! != "pause", (bool)s["cached"]!));

        Assert.Equal(0, fresh.ExitCode);
        var uncached = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(fresh));
        Assert.All(uncached["steps"]!.AsArray(), s => Assert.False((bool)s!["cached"]!, s.ToJsonString()));
    }

    [Fact]
    public async Task A_step_reading_a_local_file_is_cached_until_the_file_is_edited()
    {
        const string yaml = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: curate-local }
            params:
              source: { type: string }
            steps:
              curate:
                uses: data.curate@1
                with:
                  source: ${{ params.source }}
                  format: jsonl
            """;
        var file = _workspace.Write("local.yaml", yaml);
        static string Line(int i) => $$"""{"prompt": "Summarise note {{i}} about the weekly planning meeting and what it decided", "completion": "note {{i}}"}""" + "\n";
        var data = _workspace.Write("notes.jsonl", string.Concat(Enumerable.Range(0, 10).Select(Line)));
        var first = await _workspace.RunAsync("run", file, "-p", $"source={data}");

        var again = await _workspace.RunAsync("run", file, "-p", $"source={data}");
        File.AppendAllText(data, Line(10));
        var edited = await _workspace.RunAsync("run", file, "-p", $"source={data}");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains(again.OutLines, l => l.Contains("✓ curate", StringComparison.Ordinal) && l.Contains("(cached)", StringComparison.Ordinal));
        Assert.True(edited.ExitCode == 0, edited.ToString());
        Assert.DoesNotContain(edited.OutLines, l => l.Contains("(cached)", StringComparison.Ordinal));
        Assert.Contains(edited.OutLines, l => l.Contains("11 records", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_step_is_retried_then_the_run_fails_with_exit_1()
    {
        var file = _workspace.Write("failing.yaml", RunPipelines.Failing);

        var result = await _workspace.RunAsync("run", file);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ↻ boom +retrying \(attempt 2\): it broke$"));
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ↻ boom +retrying \(attempt 3\): it broke$"));
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ✗ boom +failed \(attempt 3\)  \d+\.\d\ds: it broke$"));
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ○ notify +skipped: when was false$"));
        var id = RunPipelines.RunId(result);
        Assert.Matches($@"^run {id} failed in \d+\.\d\ds: step 'boom' failed: it broke$", result.OutLines[^1]);

        var shown = await RunPipelines.ShowJsonAsync(_workspace, id);
        Assert.Equal("failed", (string?)shown["status"]);
        Assert.Equal(3, (int)RunPipelines.Step(shown, "boom")["attempts"]!);
        Assert.Equal("it broke", (string?)RunPipelines.Step(shown, "boom")["error"]);
    }

    [Fact]
    public async Task Params_override_the_defaults()
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);

        var result = await _workspace.RunAsync("run", file, "--param", "who=team", "-p", "times=3");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.OutLines, l => l.EndsWith("| Hello, team!", StringComparison.Ordinal));
        var shown = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(result));
        Assert.Equal("team", (string?)shown["params"]!["who"]);
        Assert.Equal(3, (int)shown["params"]!["times"]!);
    }

    [Theory]
    [InlineData("whom=team", "whom")]
    [InlineData("times=often", "times")]
    [InlineData("no-equals-sign", "no-equals-sign")]
    public async Task A_bad_param_is_a_one_line_error_naming_it_and_nothing_runs(string pair, string named)
    {
        await Bad_params_are_reported_together_on_one_line([pair], [named]);
    }

    [Fact]
    public async Task Every_bad_param_is_reported_at_once()
    {
        await Bad_params_are_reported_together_on_one_line(["times=often", "whom=team"], ["times", "whom"]);
    }

    private async Task Bad_params_are_reported_together_on_one_line(string[] pairs, string[] named)
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);

        var result = await _workspace.RunAsync(["run", file, .. pairs.SelectMany(p => new[] { "-p", p })]);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.All(named, name => Assert.Contains(name, error));
        Assert.DoesNotContain(result.OutLines, l => l.StartsWith("run ", StringComparison.Ordinal));
        var runs = await _workspace.RunAsync("runs");
        Assert.Empty(RunPipelines.ListedIds(runs));
    }

    [Fact]
    public async Task Matrix_combinations_are_shown_right_after_their_step_in_definition_order()
    {
        var file = _workspace.Write("matrix.yaml", RunPipelines.Matrix);

        var result = await _workspace.RunAsync("run", file);

        Assert.Equal(0, result.ExitCode);
        var shown = await RunPipelines.ShowJsonAsync(_workspace, RunPipelines.RunId(result));
        var order = shown["steps"]!.AsArray().Select(s => (string?)s!["id"]).ToList();
        Assert.Equal(["zeta", "sweep", "sweep[0]", "sweep[1]", "sweep[2]", "alpha"], order);
        Assert.Contains(result.OutLines, l => Regex.IsMatch(l, @"^  ✓ sweep\[2\] +succeeded"));
    }

    [Fact]
    public async Task The_live_display_draws_every_step_and_still_ends_with_the_summary()
    {
        var file = _workspace.Write("failing.yaml", RunPipelines.Failing);

        var result = await _workspace.RunAsync("run", file, "--progress", "live");

        Assert.Equal(1, result.ExitCode);
        var text = Regex.Replace(result.Out, @"\x1b\[[0-9;?]*[A-Za-z]", "");
        Assert.Contains("failed (attempt 3)", text);
        Assert.Contains("skipped", text);
        Assert.Contains("it broke", text);
        Assert.Matches($@"^run {RunPipelines.RunId(result)} failed in ", text.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public async Task Cancelling_the_token_detaches_with_exit_130_and_resume_finishes_the_run_without_redoing_finished_steps()
    {
        var file = _workspace.Write("napper.yaml", RunPipelines.Napper.Replace("seconds: 30", "seconds: 1.5", StringComparison.Ordinal));
        using var interrupt = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var running = Task.Run(() => CliApp.RunAsync(["--data-dir", _workspace.DataDirectory, "run", file], output, error, interrupt.Token));
        var id = await RunPipelines.WaitUntilNappingAsync(_workspace);

        await interrupt.CancelAsync();
        var exitCode = await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 130, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains($"pipelines runs resume {id}", error.ToString());
        var resumed = await _workspace.RunAsync("runs", "resume", id);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Matches($@"^run {id} succeeded in ", resumed.OutLines[^1]);
        var shown = await RunPipelines.ShowJsonAsync(_workspace, id);
        Assert.Equal(1, (int)RunPipelines.Step(shown, "first")["attempts"]!);
        var logs = await _workspace.RunAsync("runs", "logs", id, "first");
        Assert.Single(logs.OutLines);
    }
}
