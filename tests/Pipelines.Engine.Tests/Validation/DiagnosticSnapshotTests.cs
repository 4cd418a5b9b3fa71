using Pipelines.Definitions;
using Snapshooter;
using Snapshooter.Xunit;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// What `pipelines validate` prints for whole broken files, reviewed like code: the files live in
/// Validation/broken/ and their output in Validation/__snapshots__/.
/// </summary>
public sealed class DiagnosticSnapshotTests
{
    public static TheoryData<string> BrokenFiles()
    {
        var names = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(BrokenFolder, "*.yaml").Order(StringComparer.Ordinal))
        {
            names.Add(Path.GetFileName(path));
        }

        return names;
    }

    public static TheoryData<string> Examples()
    {
        var names = new TheoryData<string>();
        foreach (var path in ExampleFiles())
        {
            names.Add(Path.GetRelativePath(PipelinesFolder, path).Replace('\\', '/'));
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_file_reports_match_the_snapshot(string fileName)
    {
        var path = Path.Combine(BrokenFolder, fileName);

        var result = PipelineLoader.LoadFile(path, Catalog);

        Assert.Null(result.Pipeline);
        Assert.NotEmpty(result.Diagnostics);
        var relative = Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/');
        var lines = result.Diagnostics.Select(d => (d with { Location = d.Location with { File = relative } }).ToString());
        Snapshot.Match(string.Join('\n', lines), SnapshotNameExtension.Create(Path.GetFileNameWithoutExtension(fileName)));
    }

    [Fact]
    public void There_are_broken_files_to_snapshot()
    {
        Assert.True(BrokenFiles().Count >= 5, $"expected broken files under {BrokenFolder}");
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_loads_without_diagnostics(string relativePath)
    {
        var result = PipelineLoader.LoadFile(Path.Combine(PipelinesFolder, relativePath), Catalog);

        Assert.True(result.Diagnostics.Count == 0, Describe(result.Diagnostics));
        Assert.NotNull(result.Pipeline);
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void There_are_examples_to_load()
    {
        Assert.Contains(Path.Combine(PipelinesFolder, "tour.yaml"), ExampleFiles());
    }
}
