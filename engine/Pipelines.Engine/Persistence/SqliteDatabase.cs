using Microsoft.Data.Sqlite;

namespace Pipelines.Persistence;

/// <summary>
/// The embedded store: one SQLite file, <c>pipelines.db</c>, in the data directory. Opening it brings the
/// schema up to date; stores then open a pooled connection per operation.
/// </summary>
public sealed class SqliteDatabase
{
    public const string FileName = "pipelines.db";

    // Per-connection settings, so every pooled connection gets them.
    // synchronous=FULL fsyncs the WAL on every commit. NORMAL (the usual WAL pairing) stays consistent but can
    // lose the last commits on power loss, and the engine promises more than consistency: a version the user
    // was told is published, or a step recorded as completed, must still be there after a crash, or the step
    // would run again. Our write rate is low, so the extra fsync is cheap.
    private const string ConnectionPragmas = """
        PRAGMA busy_timeout = 5000;
        PRAGMA synchronous = FULL;
        PRAGMA foreign_keys = ON;
        """;

    private readonly string _connectionString;

    private SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating if needed) <c>&lt;dataDirectory&gt;/pipelines.db</c> and applies pending migrations.</summary>
    public static Task<SqliteDatabase> OpenAsync(string dataDirectory, CancellationToken ct) =>
        OpenAsync(dataDirectory, SchemaMigrations.All, ct);

    internal static async Task<SqliteDatabase> OpenAsync(string dataDirectory, IReadOnlyList<SchemaMigration> migrations, CancellationToken ct)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
                throw new InvalidOperationException($"Schema migrations must be numbered 1, 2, 3, ... in order; found {migrations[i].Version} at position {i + 1}.");
        }

        Directory.CreateDirectory(dataDirectory);
        var database = new SqliteDatabase(System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName)));
        await using var connection = await database.OpenConnectionAsync(ct);
        // WAL is a property of the file, not the connection: set once, it sticks. Readers then never block the writer.
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", ct);
        await MigrateAsync(connection, database.Path, migrations, ct);
        return database;
    }

    /// <summary>A new pooled connection with the store's settings applied. The caller disposes it.</summary>
    public async Task<SqliteConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await connection.ExecuteAsync(ConnectionPragmas, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task MigrateAsync(SqliteConnection connection, string path, IReadOnlyList<SchemaMigration> migrations, CancellationToken ct)
    {
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     INTEGER PRIMARY KEY,
                description TEXT    NOT NULL,
                applied_at  INTEGER NOT NULL
            ) STRICT;
            """, ct);

        var current = Convert.ToInt32(await connection.ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", ct));
        if (current > migrations.Count)
            throw new InvalidOperationException($"The database {path} has schema version {current}, but this build knows only up to {migrations.Count}; use a newer build.");

        foreach (var migration in migrations.Skip(current))
        {
            // IMMEDIATE takes the write lock first, so when two processes open the database at once the second
            // waits and then sees the migration as applied instead of running it again.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var applied = await connection.ScalarAsync("SELECT 1 FROM schema_migrations WHERE version = $version", ct,
                ("$version", migration.Version)) is not null;
            if (!applied)
            {
                await connection.ExecuteAsync(migration.Sql, ct);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($version, $description, $at)", ct,
                    ("$version", migration.Version),
                    ("$description", migration.Description),
                    ("$at", TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
            }
            await transaction.CommitAsync(ct);
        }
    }
}
