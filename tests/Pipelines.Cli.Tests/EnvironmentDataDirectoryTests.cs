namespace Pipelines.Cli.Tests;

[Collection(EnvironmentCollection.Name)]
public sealed class EnvironmentDataDirectoryTests : IDisposable
{
    private const string Variable = "PIPELINES_DATA";

    private readonly Workspace _workspace = new();
    private readonly string? _saved = Environment.GetEnvironmentVariable(Variable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, _saved);
        _workspace.Dispose();
    }

    [Fact]
    public async Task Pipelines_data_is_the_data_directory_when_no_option_is_given()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());
        Environment.SetEnvironmentVariable(Variable, _workspace.DataDirectory);

        var published = await Cli.RunAsync("publish", file);
        var shown = await Cli.RunAsync("show", "greeting@1");

        Assert.Equal("greeting@1", published.OutLines[^1]);
        Assert.True(File.Exists(_workspace.DatabaseFile));
        Assert.Equal(0, shown.ExitCode);
    }

    [Fact]
    public async Task The_option_wins_over_pipelines_data()
    {
        var file = _workspace.Write("greeting.yaml", PipelineFiles.Greeting());
        var fromEnvironment = Path.Combine(_workspace.Root, "from-environment");
        Environment.SetEnvironmentVariable(Variable, fromEnvironment);

        var published = await Cli.RunAsync("publish", file, "--data-dir", _workspace.DataDirectory);

        Assert.Equal(0, published.ExitCode);
        Assert.True(File.Exists(_workspace.DatabaseFile));
        Assert.False(Directory.Exists(fromEnvironment));
    }
}
