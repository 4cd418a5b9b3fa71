namespace Pipelines.Cli.Tests;

public sealed class DataDirectoryTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Data_dir_works_before_the_command_name()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        var result = await Cli.RunAsync("--data-dir", _workspace.DataDirectory, "publish", file);

        Assert.Equal("greeting@1", result.OutLines[^1]);
        Assert.True(File.Exists(_workspace.DatabaseFile));
    }

    [Fact]
    public async Task Data_dir_works_after_the_command_name_and_both_places_share_the_store()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());

        var published = await Cli.RunAsync("publish", file, "--data-dir", _workspace.DataDirectory);
        var shown = await Cli.RunAsync("--data-dir", _workspace.DataDirectory, "show", "greeting@1");

        Assert.Equal("greeting@1", published.OutLines[^1]);
        Assert.True(File.Exists(_workspace.DatabaseFile));
        Assert.Equal(0, shown.ExitCode);
    }

    [Fact]
    public async Task Separate_data_dirs_are_separate_stores()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());
        var other = Path.Combine(_workspace.Root, "other");

        await Cli.RunAsync("--data-dir", _workspace.DataDirectory, "publish", file);
        var shown = await Cli.RunAsync("--data-dir", other, "show", "greeting");

        Assert.Equal(2, shown.ExitCode);
        Assert.Contains("no pipeline named 'greeting'", shown.Error);
    }
}
