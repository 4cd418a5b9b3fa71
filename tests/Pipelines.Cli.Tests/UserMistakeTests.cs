namespace Pipelines.Cli.Tests;

/// <summary>
/// Mistakes in what the user typed or pointed at are theirs to fix: exit 2 with a clear line, never the
/// "this is a bug in pipelines" message meant for real defects.
/// </summary>
public sealed class UserMistakeTests : IDisposable
{
    private const string BugMessage = "bug in pipelines";

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_data_dir_that_is_a_file_is_a_user_error()
    {
        var notADirectory = _workspace.Write("not-a-directory", "just text");
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        var result = await Cli.RunAsync("--data-dir", notADirectory, "publish", file);

        Assert.DoesNotContain(BugMessage, result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(notADirectory, result.Error);
    }

    [Fact]
    public async Task A_zero_run_timeout_is_refused_saying_why()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        var result = await _workspace.RunAsync("run", file, "--timeout", "0s");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--timeout must be longer than zero: a run given no time fails before it starts", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(BugMessage, result.Error);
    }

    [Fact]
    public async Task A_schema_output_into_a_missing_folder_is_a_user_error()
    {
        var path = Path.Combine(_workspace.Root, "no-such-folder", "schema.json");

        var result = await _workspace.RunAsync("schema", "--output", path);

        Assert.DoesNotContain(BugMessage, result.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(path, result.Error);
    }

    [Fact]
    public async Task An_empty_file_name_is_a_located_diagnostic()
    {
        var result = await _workspace.RunAsync("validate", "");

        Assert.DoesNotContain(BugMessage, result.Error);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task A_folder_given_as_a_file_is_a_diagnostic()
    {
        var result = await _workspace.RunAsync("validate", _workspace.Root);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PL1011", result.All);
    }

    [Fact]
    public async Task A_data_dir_holding_something_that_is_not_a_database_names_the_file_and_is_not_called_a_bug()
    {
        Directory.CreateDirectory(_workspace.DataDirectory);
        File.WriteAllText(_workspace.DatabaseFile, "this is not SQLite");

        var result = await _workspace.RunAsync("show", "greeting");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain(BugMessage, result.Error);
        Assert.Contains(_workspace.DatabaseFile, result.Error);
    }
}
