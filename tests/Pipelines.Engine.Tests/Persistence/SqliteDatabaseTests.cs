using Microsoft.Data.Sqlite;
using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Persistence;

public sealed class SqliteDatabaseTests : IDisposable
{
    private static readonly SchemaMigration CreateA = new(1, "table a", "CREATE TABLE a (id INTEGER PRIMARY KEY);");
    private static readonly SchemaMigration CreateB = new(2, "table b", "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a (id));");

    private readonly TemporaryDataDirectory _directory = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Opening_creates_the_data_directory_and_the_database_file()
    {
        var dataDirectory = Path.Combine(_directory.Path, "nested", ".pipelines");

        var database = await SqliteDatabase.OpenAsync(dataDirectory, _ct);

        Assert.Equal(Path.Combine(dataDirectory, "pipelines.db"), database.Path);
        Assert.True(File.Exists(database.Path));
    }

    [Fact]
    public async Task Connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout()
    {
        var database = await SqliteDatabase.OpenAsync(_directory.Path, _ct);
        await using var connection = await database.OpenConnectionAsync(_ct);

        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode"));
        Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous")); // 2 = FULL
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys"));
        Assert.Equal(5000L, await ScalarAsync(connection, "PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task Opening_twice_applies_each_migration_once()
    {
        await SqliteDatabase.OpenAsync(_directory.Path, _ct);
        var database = await SqliteDatabase.OpenAsync(_directory.Path, _ct);

        Assert.Equal(
            SchemaMigrations.All.Select(m => (long)m.Version),
            await AppliedVersionsAsync(database));
    }

    [Fact]
    public async Task A_later_migration_is_applied_to_an_existing_database_without_rerunning_earlier_ones()
    {
        var before = await SqliteDatabase.OpenAsync(_directory.Path, [CreateA], _ct);
        await using (var connection = await before.OpenConnectionAsync(_ct))
            await ExecuteAsync(connection, "INSERT INTO a (id) VALUES (7)");

        var after = await SqliteDatabase.OpenAsync(_directory.Path, [CreateA, CreateB], _ct);

        Assert.Equal([1L, 2L], await AppliedVersionsAsync(after));
        await using var reopened = await after.OpenConnectionAsync(_ct);
        Assert.Equal(7L, await ScalarAsync(reopened, "SELECT id FROM a"));
        // foreign_keys=ON: the new table's reference is enforced.
        await Assert.ThrowsAsync<SqliteException>(() => ExecuteAsync(reopened, "INSERT INTO b (id, a_id) VALUES (1, 99)"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_behind()
    {
        var broken = new SchemaMigration(2, "broken", "CREATE TABLE c (id INTEGER); CREATE TABLE oops (;");

        await Assert.ThrowsAsync<SqliteException>(() => SqliteDatabase.OpenAsync(_directory.Path, [CreateA, broken], _ct));

        var database = await SqliteDatabase.OpenAsync(_directory.Path, [CreateA], _ct);
        Assert.Equal([1L], await AppliedVersionsAsync(database));
        await using var connection = await database.OpenConnectionAsync(_ct);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'c'"));
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused()
    {
        await SqliteDatabase.OpenAsync(_directory.Path, [CreateA, CreateB], _ct);

        var error = await Assert.ThrowsAsync<StoreUnusableException>(() => SqliteDatabase.OpenAsync(_directory.Path, [CreateA], _ct));

        Assert.Contains("schema version 2; this build knows up to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrations_out_of_order_are_refused()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteDatabase.OpenAsync(_directory.Path, [CreateB, CreateA], _ct));
    }

    private async Task<List<long>> AppliedVersionsAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync(_ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        await using var reader = await command.ExecuteReaderAsync(_ct);
        var versions = new List<long>();
        while (await reader.ReadAsync(_ct))
            versions.Add(reader.GetInt64(0));
        return versions;
    }

    private async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(_ct);
    }

    private async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(_ct);
    }
}
