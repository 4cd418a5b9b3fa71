using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipelines.Cli.Tests;

public sealed partial class ValidateCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<col>\d+): error (?<code>PL\d{4}): .+$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();

    [Fact]
    public async Task A_good_file_prints_ok_and_its_name()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        var result = await _workspace.RunAsync("validate", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["ok greeting"], result.OutLines);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task A_broken_file_prints_every_problem_with_its_location_and_exits_2()
    {
        var file = _workspace.Write("broken.yaml", PipelineFiles.Broken);

        var result = await _workspace.RunAsync("validate", file);

        Assert.Equal(2, result.ExitCode);
        var diagnostics = DiagnosticLine().Matches(result.All).ToList();
        Assert.Equal(
            [(9, "PL3001"), (15, "PL4003"), (19, "PL3006")],
            diagnostics.Select(d => (int.Parse(d.Groups["line"].Value), d.Groups["code"].Value)));
        Assert.All(diagnostics, d => Assert.Equal(file, d.Groups["file"].Value));
        Assert.Contains("did you mean 'core.echo'?", result.All);
        Assert.Contains("3 errors", result.All);
        Assert.DoesNotContain("ok broken", result.All);
    }

    [Fact]
    public async Task Columns_point_at_the_offending_text()
    {
        var file = _workspace.Write("broken.yaml", PipelineFiles.Broken);
        var lines = PipelineFiles.Broken.Split('\n');

        var result = await _workspace.RunAsync("validate", file);

        var unknownActivity = DiagnosticLine().Matches(result.All).Single(d => d.Groups["code"].Value == "PL3001");
        var column = int.Parse(unknownActivity.Groups["col"].Value);
        Assert.StartsWith("core.ehco@1", lines[8][(column - 1)..]);
    }

    [Fact]
    public async Task Several_files_are_all_checked_and_one_bad_file_fails_the_command()
    {
        var good = _workspace.Write("good.yaml", PipelineFiles.Greeting());
        var bad = _workspace.Write("broken.yaml", PipelineFiles.Broken);

        var result = await _workspace.RunAsync("validate", bad, good);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ok greeting", result.OutLines);
        Assert.Contains(DiagnosticLine().Matches(result.All), d => d.Groups["file"].Value == bad);
        Assert.DoesNotContain(DiagnosticLine().Matches(result.All), d => d.Groups["file"].Value == good);
    }

    [Fact]
    public async Task A_missing_file_is_a_clean_located_error()
    {
        var missing = Path.Combine(_workspace.Root, "nowhere.yaml");

        var result = await _workspace.RunAsync("validate", missing);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{missing}:1:1: error PL1011:", result.All);
        Assert.Contains("no such file", result.All);
    }

    [Fact]
    public async Task Invalid_yaml_is_reported_with_its_location()
    {
        var file = _workspace.Write("syntax.yaml", "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: x\n");

        var result = await _workspace.RunAsync("validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Matches(DiagnosticLine(), result.All);
    }

    [Fact]
    public async Task Validating_touches_no_data()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        await _workspace.RunAsync("validate", file);

        Assert.False(File.Exists(_workspace.DatabaseFile));
    }

    [Fact]
    public async Task Validate_without_files_is_a_usage_error()
    {
        var result = await _workspace.RunAsync("validate");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error:", result.ErrorLines[0]);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("publish")]
    [InlineData("run")]
    public async Task A_named_pipe_is_refused_at_once_with_one_line_that_says_what_to_do(string command)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = Path.Combine(_workspace.Root, "pipe.yaml");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();

        var running = Task.Run(() => _workspace.RunAsync(command, fifo)); // on another thread: before, the open blocked the caller
        try
        {
            var result = await running.WaitAsync(TimeSpan.FromSeconds(30)); // before, the read waited for a writer forever

            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.All.Split('\n'), l => l.Contains("PL1011", StringComparison.Ordinal));
            Assert.Equal($"{fifo}:1:1: error PL1011: cannot read the file: it is a named pipe (FIFO), not a regular file; "
                         + "pass the path of a pipeline YAML file; to check generated YAML, write it to a file first", line);
        }
        finally
        {
            if (!running.IsCompleted)
            {
                using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write); // let the blocked open go
            }
        }
    }

    [Fact]
    public async Task Dev_zero_is_refused_without_being_read()
    {
        if (!OperatingSystem.IsLinux()) return;

        var result = await Task.Run(() => _workspace.RunAsync("validate", "/dev/zero")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/dev/zero:1:1: error PL1011: cannot read the file: it is a character device, not a regular file", result.All);
    }

    [Fact]
    public async Task Five_thousand_problems_print_the_first_hundred_and_count_the_rest()
    {
        var yaml = new StringBuilder("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: many\nsteps:\n");
        for (var i = 1; i <= 5000; i++) yaml.Append($"  s{i:D6}: {{uses: core.noop@1, needs: q{i:D6}}}\n");
        var file = _workspace.Write("many.yaml", yaml.ToString());

        var result = await _workspace.RunAsync("validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(100, DiagnosticLine().Count(result.Out));
        Assert.Equal(["... and 4,900 more problems (the first 100 found are listed)", $"{file}: 5,000 errors"], result.OutLines[^2..]);
        Assert.True(result.Out.Length < 20_000, $"{result.Out.Length:N0} characters");
    }
}
