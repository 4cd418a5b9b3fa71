using Microsoft.Data.Sqlite;

namespace Pipelines.Cli.Tests;

/// <summary>A fresh folder per test holding pipeline files and a data directory; removed afterwards.</summary>
public sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("pipelines-cli-test-").FullName;
        DataDirectory = Path.Combine(Root, "data");
    }

    public string Root { get; }

    public string DataDirectory { get; }

    /// <summary>The store's database file; it exists once a command has opened the store.</summary>
    public string DatabaseFile => Path.Combine(DataDirectory, "pipelines.db");

    public string Write(string fileName, string yaml)
    {
        var path = Path.Combine(Root, fileName);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Runs a command against this workspace's data directory.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync(["--data-dir", DataDirectory, .. args]);

    /// <summary>Runs a command against this workspace's data directory with <paramref name="terminal"/> as the person at the terminal.</summary>
    public Task<CliResult> RunAsync(Spectre.Console.IAnsiConsole terminal, params string[] args) => Cli.RunAsync(terminal, ["--data-dir", DataDirectory, .. args]);

    public void Dispose()
    {
        // Pooled connections keep the database open; release them before removing the folder.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }
}
