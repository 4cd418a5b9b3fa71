using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines runs</c> and its subcommands: list, show, logs, cancel and resume runs.</summary>
public sealed class RunsCommandTests : IDisposable
{
    private static readonly string[] RunKeys = ["id", "pipeline", "version", "status", "params", "steps"];
    private static readonly string[] StepKeys = ["id", "status", "attempts", "cached", "started", "finished", "outputs", "error"];

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Runs_are_listed_newest_first_and_filtered_by_pipeline_and_status()
    {
        var hello = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var failing = _workspace.Write("failing.yaml", RunPipelines.Failing);
        var first = RunPipelines.RunId(await _workspace.RunAsync("run", hello));
        var second = RunPipelines.RunId(await _workspace.RunAsync("run", failing));
        var third = RunPipelines.RunId(await _workspace.RunAsync("run", hello));

        var all = await _workspace.RunAsync("runs");
        var ofHello = await _workspace.RunAsync("runs", "--pipeline", "hello");
        var failed = await _workspace.RunAsync("runs", "--status", "failed");
        var latest = await _workspace.RunAsync("runs", "--limit", "1");

        Assert.Equal(0, all.ExitCode);
        Assert.Equal(["ID", "PIPELINE@V", "STATUS", "STARTED", "DURATION", "TRIGGER"], all.OutLines.First(l => l.Contains("ID", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([third, second, first], RunPipelines.ListedIds(all));
        Assert.Contains(all.OutLines, l => Regex.IsMatch(l, $@"^\s+{second}\s+failing@1\s+failed\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d+\.\d\ds\s+manual\s*$"));
        Assert.Equal([third, first], RunPipelines.ListedIds(ofHello));
        Assert.Equal([second], RunPipelines.ListedIds(failed));
        Assert.Equal([third], RunPipelines.ListedIds(latest));
    }

    [Theory]
    [InlineData("--status", "finished", "finished")]
    [InlineData("--limit", "0", "--limit")]
    public async Task A_bad_filter_is_a_one_line_error(string option, string value, string named)
    {
        var result = await _workspace.RunAsync("runs", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Show_json_has_exactly_the_documented_shape()
    {
        var file = _workspace.Write("failing.yaml", RunPipelines.Failing);
        var id = RunPipelines.RunId(await _workspace.RunAsync("run", file));
        var hello = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var helloId = RunPipelines.RunId(await _workspace.RunAsync("run", hello));

        var run = await RunPipelines.ShowJsonAsync(_workspace, id);
        var succeeded = await RunPipelines.ShowJsonAsync(_workspace, helloId);

        Assert.Equal(RunKeys, run.Select(p => p.Key));
        Assert.Equal(id, (string?)run["id"]);
        Assert.Equal("failing", (string?)run["pipeline"]);
        Assert.Equal(1, (int)run["version"]!);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.IsType<JsonObject>(run["params"]);
        foreach (var step in run["steps"]!.AsArray().Concat(succeeded["steps"]!.AsArray()).Select(s => s!.AsObject()))
        {
            Assert.Equal(StepKeys, step.Select(p => p.Key));
            Assert.Contains((string?)step["status"], new[] { "pending", "ready", "running", "waiting", "retrying", "succeeded", "failed", "skipped", "cancelled" });
            foreach (var time in new[] { step["started"], step["finished"] }.Where(t => t is not null))
            {
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", (string)time!);
            }
        }

        var boom = RunPipelines.Step(run, "boom");
        Assert.Null(boom["outputs"]);
        var notify = RunPipelines.Step(run, "notify");
        Assert.Equal("skipped", (string?)notify["status"]);
        Assert.Null(notify["started"]);
        Assert.Equal("when was false", (string?)notify["error"]);
        var greet = RunPipelines.Step(succeeded, "greet");
        Assert.Equal("Hello, world!", (string?)greet["outputs"]!["message"]);
        Assert.Null(greet["error"]);
        Assert.Equal(["greet", "pause", "again"], succeeded["steps"]!.AsArray().Select(s => (string?)s!["id"]));
    }

    [Fact]
    public async Task Show_gives_people_the_header_params_step_table_and_outputs()
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var id = RunPipelines.RunId(await _workspace.RunAsync("run", file, "-p", "who=team"));

        var shown = await _workspace.RunAsync("runs", "show", id);

        Assert.Equal(0, shown.ExitCode);
        Assert.Equal($"run       {id}", shown.OutLines[0]);
        Assert.Contains("pipeline  hello@1", shown.OutLines);
        Assert.Contains("status    succeeded", shown.OutLines);
        Assert.Contains(shown.OutLines, l => l.StartsWith("params    who=\"team\"", StringComparison.Ordinal));
        Assert.Contains(shown.OutLines, l => Regex.IsMatch(l, @"^\s+STEP\s+STATUS\s+ATTEMPTS\s+CACHED\s+STARTED\s+DURATION\s+ERROR\s*$"));
        Assert.Contains(shown.OutLines, l => Regex.IsMatch(l, @"^\s+pause\s+succeeded\s+1\s+no\s+\d{4}-"));
        Assert.Contains("  greet  message=\"Hello, team!\"", shown.OutLines);
    }

    [Fact]
    public async Task Logs_print_each_line_with_its_time_and_step_and_a_step_includes_its_matrix_combinations()
    {
        var hello = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var matrix = _workspace.Write("matrix.yaml", RunPipelines.Matrix);
        var helloId = RunPipelines.RunId(await _workspace.RunAsync("run", hello));
        var matrixId = RunPipelines.RunId(await _workspace.RunAsync("run", matrix));

        var all = await _workspace.RunAsync("runs", "logs", helloId);
        var one = await _workspace.RunAsync("runs", "logs", helloId, "again");
        var sweep = await _workspace.RunAsync("runs", "logs", matrixId, "sweep");

        Assert.Equal(0, all.ExitCode);
        Assert.Equal(2, all.OutLines.Length);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} greet \| Hello, world!$", all.OutLines[0]);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} again \| Hello, world! \(again\)$", all.OutLines[1]);
        Assert.Equal(["Hello, world! (again)"], one.OutLines.Select(l => l.Split(" | ")[1]));
        Assert.Equal(["n=1", "n=2", "n=3"], sweep.OutLines.Select(l => l.Split(" | ")[1]).Order());
        Assert.All(sweep.OutLines, l => Assert.Matches(@"^\S+ sweep\[\d\] \| ", l));
    }

    [Fact]
    public async Task Logs_of_an_unknown_step_suggest_the_nearest()
    {
        var file = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var id = RunPipelines.RunId(await _workspace.RunAsync("run", file));

        var result = await _workspace.RunAsync("runs", "logs", id, "gret");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("did you mean 'greet'?", result.Error);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("logs")]
    [InlineData("cancel")]
    [InlineData("resume")]
    public async Task An_unknown_run_id_says_where_to_find_ids(string subcommand)
    {
        var result = await _workspace.RunAsync("runs", subcommand, "0000000000000000");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: no run with id 0000000000000000; `pipelines runs` lists them"], result.ErrorLines);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Cancelling_a_run_that_another_command_is_executing_makes_that_command_exit_4()
    {
        var file = _workspace.Write("napper.yaml", RunPipelines.Napper);
        var running = Task.Run(() => _workspace.RunAsync("run", file));
        var id = await RunPipelines.WaitUntilNappingAsync(_workspace);

        var cancel = await _workspace.RunAsync("runs", "cancel", id);
        var result = await running.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, cancel.ExitCode);
        Assert.Equal([$"cancel requested for {id}"], cancel.OutLines);
        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Equal($"run {id} cancelled", result.OutLines[^1][..(id.Length + 14)]);
        var shown = await RunPipelines.ShowJsonAsync(_workspace, id);
        Assert.Equal("cancelled", (string?)shown["status"]);
        Assert.Equal("cancelled", (string?)RunPipelines.Step(shown, "nap")["status"]);
        Assert.Equal("succeeded", (string?)RunPipelines.Step(shown, "first")["status"]);

        var again = await _workspace.RunAsync("runs", "cancel", id);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal([$"run {id} already cancelled; nothing to cancel"], again.OutLines);
    }

    [Fact]
    public async Task Resuming_a_succeeded_run_reports_it_and_a_failed_one_runs_what_failed_again()
    {
        var hello = _workspace.Write("hello.yaml", RunPipelines.Hello);
        var failing = _workspace.Write("failing.yaml", RunPipelines.Failing);
        var succeeded = RunPipelines.RunId(await _workspace.RunAsync("run", hello));
        var failed = RunPipelines.RunId(await _workspace.RunAsync("run", failing));

        var resumedSuccess = await _workspace.RunAsync("runs", "resume", succeeded);
        var resumedFailure = await _workspace.RunAsync("runs", "resume", failed, "--progress", "plain");

        Assert.Equal(0, resumedSuccess.ExitCode);
        Assert.Matches($@"^run {succeeded} succeeded in \d+\.\d\ds$", Assert.Single(resumedSuccess.OutLines));
        Assert.Equal(1, resumedFailure.ExitCode);
        Assert.Contains("pipeline failing@1 (resumed)", resumedFailure.OutLines);
        var shown = await RunPipelines.ShowJsonAsync(_workspace, failed);
        // Reopened with its retry budget whole: three more attempts (one and two retries) after the first three.
        Assert.Equal(6, (int)RunPipelines.Step(shown, "boom")["attempts"]!);
        Assert.Equal("failed", (string?)shown["status"]);
    }
}
