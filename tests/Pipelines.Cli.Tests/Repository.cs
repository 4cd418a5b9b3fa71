namespace Pipelines.Cli.Tests;

/// <summary>The checkout the tests run from: its wrapper script (bin/pipelines), pipeline files (pipelines/) and data.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipelines.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Pipelines.sln above {AppContext.BaseDirectory}");
    }
}
