using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines artifacts path|lineage REF</c>.</summary>
public sealed class ArtifactsCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("path", "not-a-ref")]
    [InlineData("path", "artifact://sha256/ABC")]
    [InlineData("lineage", "sha256:0123")]
    public async Task A_malformed_reference_is_a_one_line_error_showing_the_form(string subcommand, string reference)
    {
        var result = await _workspace.RunAsync("artifacts", subcommand, reference);

        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.ErrorLines);
        Assert.Contains($"'{reference}' is not an artifact reference", error);
        Assert.Contains("artifact://sha256/", error);
    }

    [Theory]
    [InlineData("path")]
    [InlineData("lineage")]
    public async Task An_artifact_this_data_directory_does_not_hold_is_a_clear_error(string subcommand)
    {
        var missing = ArtifactReference.Prefix + new string('a', 64);

        var result = await _workspace.RunAsync("artifacts", subcommand, missing);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"artifact {missing} is not in {_workspace.DataDirectory}", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Path_prints_where_the_content_is_and_lineage_describes_it()
    {
        var database = await SqliteDatabase.OpenAsync(_workspace.DataDirectory, CancellationToken.None);
        var reference = await new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(database)), _workspace.DataDirectory).PutTextAsync("a small report", "report", CancellationToken.None);

        var path = await _workspace.RunAsync("artifacts", "path", reference.Uri);
        var lineage = await _workspace.RunAsync("artifacts", "lineage", reference.Uri);

        Assert.Equal(0, path.ExitCode);
        Assert.Equal("a small report", File.ReadAllText(Assert.Single(path.OutLines)));
        Assert.Equal(0, lineage.ExitCode);
        Assert.Contains(lineage.OutLines, l => l.TrimEnd() == $"artifact   {reference.Uri}");
        Assert.Contains(lineage.OutLines, l => l.TrimEnd() == "kind       report");
        Assert.Contains(lineage.OutLines, l => l.TrimEnd() == "size       14 bytes");
        Assert.Contains(lineage.OutLines, l => l.StartsWith("producer   (none recorded", StringComparison.Ordinal));
        Assert.Contains(lineage.OutLines, l => l.TrimEnd() == "consumers  (none)");
    }
}
