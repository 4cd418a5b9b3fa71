namespace Pipelines.Cli.Tests;

/// <summary>publish, versions, show, diff and retract: the life of a pipeline's versions from the command line.</summary>
public sealed class DefinitionCommandTests : IDisposable
{
    private static readonly string Version1 = PipelineFiles.Greeting(message: "Hello");
    private static readonly string Version2 = PipelineFiles.Greeting(message: "Goodbye");

    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private async Task<string> PublishAsync(string yaml, string fileName = "greeting.yaml")
    {
        var result = await _workspace.RunAsync("publish", _workspace.Write(fileName, yaml));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.OutLines[^1];
    }

    /// <summary>The YAML that <c>show</c> printed, without its one-line header.</summary>
    private static string ShownYaml(CliResult shown) => shown.Out[(shown.Out.IndexOf('\n') + 1)..];

    [Fact]
    public async Task Publish_prints_the_new_reference_last()
    {
        var result = await _workspace.RunAsync("publish", _workspace.Write("greeting.yaml", Version1));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("greeting@1", result.OutLines[^1]);
        Assert.True(File.Exists(_workspace.DatabaseFile));
    }

    [Fact]
    public async Task Publishing_unchanged_content_again_returns_the_same_version()
    {
        Assert.Equal("greeting@1", await PublishAsync(Version1));

        var again = await _workspace.RunAsync("publish", _workspace.Write("copy.yaml", Version1));

        Assert.Equal("greeting@1", again.OutLines[^1]);
        Assert.Contains("unchanged", again.Out);
    }

    [Fact]
    public async Task Publishing_an_edit_makes_the_next_version()
    {
        Assert.Equal("greeting@1", await PublishAsync(Version1));

        Assert.Equal("greeting@2", await PublishAsync(Version2));
    }

    [Fact]
    public async Task Publishing_an_invalid_file_stores_nothing()
    {
        var result = await _workspace.RunAsync("publish", _workspace.Write("broken.yaml", PipelineFiles.Broken));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error PL3001", result.All);
        Assert.Contains("nothing was published", result.All);
        Assert.DoesNotContain("broken@", result.Out);
        var shown = await _workspace.RunAsync("show", "broken");
        Assert.Equal(2, shown.ExitCode);
        Assert.Contains("no pipeline named 'broken'", shown.Error);
    }

    [Fact]
    public async Task Versions_lists_every_version_of_a_pipeline()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var result = await _workspace.RunAsync("versions", "greeting");

        Assert.Equal(0, result.ExitCode);
        var v1 = Assert.Single(result.OutLines, l => l.Contains("greeting@1", StringComparison.Ordinal));
        var v2 = Assert.Single(result.OutLines, l => l.Contains("greeting@2", StringComparison.Ordinal));
        Assert.Contains("latest", v2);
        Assert.DoesNotContain("latest", v1);
    }

    [Fact]
    public async Task Versions_without_a_name_lists_every_pipeline()
    {
        await PublishAsync(Version1);
        await PublishAsync(PipelineFiles.Greeting(name: "farewell"), "farewell.yaml");

        var result = await _workspace.RunAsync("versions");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.OutLines, l => l.TrimStart().StartsWith("greeting ", StringComparison.Ordinal));
        Assert.Contains(result.OutLines, l => l.TrimStart().StartsWith("farewell ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Versions_of_an_unknown_pipeline_is_a_clean_error()
    {
        await PublishAsync(Version1);

        var result = await _workspace.RunAsync("versions", "greetings");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains("greeting", result.Error);
    }

    [Fact]
    public async Task Show_prints_a_version_exactly_as_published()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var result = await _workspace.RunAsync("show", "greeting@1");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# greeting@1 sha256:", result.OutLines[0]);
        Assert.Equal(Version1, ShownYaml(result));
    }

    [Fact]
    public async Task Show_without_a_version_prints_the_latest()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var result = await _workspace.RunAsync("show", "greeting");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# greeting@2 ", result.OutLines[0]);
        Assert.Equal(Version2, ShownYaml(result));
    }

    [Fact]
    public async Task Show_of_a_missing_version_lists_the_ones_there_are()
    {
        await PublishAsync(Version1);

        var result = await _workspace.RunAsync("show", "greeting@7");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("greeting has no version 7", result.Error);
        Assert.Single(result.ErrorLines);
    }

    [Fact]
    public async Task Diff_shows_removed_and_added_lines()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var result = await _workspace.RunAsync("diff", "greeting@1", "greeting@2");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--- greeting@1", result.OutLines);
        Assert.Contains("+++ greeting@2", result.OutLines);
        Assert.Contains("-      message: Hello, ${{ params.who }}!", result.OutLines);
        Assert.Contains("+      message: Goodbye, ${{ params.who }}!", result.OutLines);
        Assert.DoesNotContain(result.OutLines, l => l.StartsWith('-') && l.Contains("core.sleep", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2")]
    [InlineData("@2")]
    public async Task Diff_accepts_a_bare_version_for_the_same_pipeline(string to)
    {
        // The help of `diff` promises "NAME@B (or just @B / B for the same pipeline)".
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var full = await _workspace.RunAsync("diff", "greeting@1", "greeting@2");
        var shortHand = await _workspace.RunAsync("diff", "greeting@1", to);

        Assert.True(shortHand.ExitCode == 0, shortHand.ToString());
        Assert.Equal(full.Out, shortHand.Out);
    }

    [Fact]
    public async Task Diff_of_a_version_with_itself_says_identical()
    {
        await PublishAsync(Version1);

        var result = await _workspace.RunAsync("diff", "greeting@1", "greeting@1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("identical", result.Out);
    }

    [Fact]
    public async Task Retracting_the_latest_makes_the_previous_one_latest_and_republishing_makes_a_new_version()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);

        var retract = await _workspace.RunAsync("retract", "greeting@2");
        Assert.Equal(0, retract.ExitCode);
        Assert.Contains("retracted greeting@2", retract.Out);

        var latest = await _workspace.RunAsync("show", "greeting");
        Assert.StartsWith("# greeting@1 ", latest.OutLines[0]);
        Assert.Equal(Version1, ShownYaml(latest));

        var versions = await _workspace.RunAsync("versions", "greeting");
        Assert.Contains("retracted", Assert.Single(versions.OutLines, l => l.Contains("greeting@2", StringComparison.Ordinal)));

        Assert.Equal("greeting@3", await PublishAsync(Version2));
    }

    [Fact]
    public async Task A_retracted_version_can_still_be_shown_by_number()
    {
        await PublishAsync(Version1);
        await PublishAsync(Version2);
        await _workspace.RunAsync("retract", "greeting@2");

        var result = await _workspace.RunAsync("show", "greeting@2");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("retracted", result.OutLines[0]);
        Assert.Equal(Version2, ShownYaml(result));
    }

    [Fact]
    public async Task Retract_needs_a_version_number()
    {
        await PublishAsync(Version1);

        var result = await _workspace.RunAsync("retract", "greeting");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error:", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Publishing_a_missing_file_is_a_clean_error()
    {
        var result = await _workspace.RunAsync("publish", Path.Combine(_workspace.Root, "nowhere.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PL1011", result.All);
    }
}
