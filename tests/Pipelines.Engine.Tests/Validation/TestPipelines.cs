using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Diagnostics;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>The catalog, file names and repository folders the validation tests share.</summary>
internal static class TestPipelines
{
    public const string FileName = "pipeline.yaml";

    /// <summary>Lines 1 to 5 of most test documents; the first line after it is line 6.</summary>
    public const string Header = "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: demo\nsteps:\n";

    public static ActivityCatalog Catalog { get; } = BuiltInActivities.CreateCatalog();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PipelinesFolder => Path.Combine(RepositoryRoot, "pipelines");

    public static string BrokenFolder => Path.Combine(RepositoryRoot, "tests", "Pipelines.Engine.Tests", "Validation", "broken");

    public static LoadResult Load(string yaml) => PipelineLoader.Load(FileName, yaml, Catalog);

    /// <summary>The header followed by <paramref name="body"/> (which starts at line 6).</summary>
    public static LoadResult LoadWithHeader(string body) => Load(Header + body);

    public static IReadOnlyList<string> ExampleFiles() =>
        Directory.EnumerateFiles(PipelinesFolder, "*.*", SearchOption.AllDirectories)
                 .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                 .Order(StringComparer.Ordinal)
                 .ToList();

    /// <summary>Every diagnostic on a line of its own, for assertion messages.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join('\n', diagnostics);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipelines.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Pipelines.sln above {AppContext.BaseDirectory}");
    }
}
