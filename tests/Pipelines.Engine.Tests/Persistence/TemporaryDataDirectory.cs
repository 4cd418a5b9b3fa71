using Microsoft.Data.Sqlite;

namespace Pipelines.Engine.Tests.Persistence;

/// <summary>A fresh data directory per test, removed afterwards with the database files in it.</summary>
public sealed class TemporaryDataDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pipelines-test-").FullName;

    public void Dispose()
    {
        // Pooled connections keep the file open; release them so the directory can go (Windows refuses otherwise).
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
