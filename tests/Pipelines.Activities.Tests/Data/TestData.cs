using System.Text;

namespace Pipelines.Activities.Tests.Data;

/// <summary>Where the committed samples are, and small builders for mail and curation inputs.</summary>
internal static class TestData
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>13 real SpamAssassin messages in their corpus folders (see Samples/README.md).</summary>
    public static string SpamAssassinSample => Path.Combine(RepositoryRoot, "tests", "Pipelines.Activities.Tests", "Data", "Samples", "spam-assassin");

    public static string Sample(string relative) => Path.Combine(SpamAssassinSample, relative);

    /// <summary>A message with CRLF line ends, as it travels.</summary>
    public static byte[] Mail(string text, Encoding? encoding = null) => (encoding ?? Encoding.UTF8).GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Pipelines.sln"))) return directory.FullName;
        }

        throw new InvalidOperationException($"no Pipelines.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary folder removed at the end of a test.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pipelines-data-test-").FullName;

    public string Write(string relative, string text) => Write(relative, Encoding.UTF8.GetBytes(text));

    public string Write(string relative, byte[] content)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
