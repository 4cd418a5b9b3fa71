using System.Runtime.CompilerServices;
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

    private static readonly ConditionalWeakTable<IReadOnlyList<SchemaMigration>, IReadOnlySet<string>> BuiltTables = new();

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
        SchemaMigration.CheckNumbering(migrations);
        CreateDataDirectory(dataDirectory);
        var database = new SqliteDatabase(System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName)));
        try
        {
            await using var connection = await database.OpenConnectionAsync(ct);
            // Before anything writes to it: another program's database must not get our tables, nor WAL mode.
            var tables = TableNames(connection);
            if (tables.Count > 0 && !tables.Contains("schema_migrations"))
                throw StoreUnusableException.NotAStore(database.Path, $"it holds other tables: {string.Join(", ", tables.Order(StringComparer.Ordinal).Take(5))}");

            // WAL is a property of the file, not the connection: set once, it sticks. Readers then never block the writer.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL;", ct);
            await MigrateAsync(connection, database.Path, migrations, ct);

            var missing = TablesBuiltBy(migrations).Except(TableNames(connection)).ToList();
            if (missing.Count > 0) throw StoreUnusableException.MissingTables(database.Path, missing);
        }
        catch (SqliteException e) when (StoreUnusableException.From(database.Path, e) is { } unusable)
        {
            throw unusable;
        }

        return database;
    }

    /// <summary>Creates the data directory (with its parents) or throws <see cref="StoreUnusableException"/> saying why it cannot be.</summary>
    public static void CreateDataDirectory(string dataDirectory)
    {
        if (CreatableFolder.TryCreate(dataDirectory) is { } problem) throw StoreUnusableException.DataDirectory(System.IO.Path.GetFullPath(dataDirectory), problem);
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
        if (current > migrations.Count) throw StoreUnusableException.Newer(path, current, migrations.Count);

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

    /// <summary>
    /// The tables <paramref name="migrations"/> build, found once by running them on an empty in-memory database, so
    /// the check that a store has them all needs no list kept in step with the migrations by hand.
    /// </summary>
    private static IReadOnlySet<string> TablesBuiltBy(IReadOnlyList<SchemaMigration> migrations) => BuiltTables.GetValue(migrations, list =>
    {
        using var memory = new SqliteConnection("Data Source=:memory:;Pooling=False");
        memory.Open();
        foreach (var migration in list)
        {
            using var command = memory.Command(migration.Sql);
            command.ExecuteNonQuery();
        }

        return TableNames(memory);
    });

    /// <summary>The database's own tables, without SQLite's internal ones.</summary>
    private static HashSet<string> TableNames(SqliteConnection connection)
    {
        using var command = connection.Command("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }
}
