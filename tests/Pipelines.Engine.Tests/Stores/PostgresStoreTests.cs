using Npgsql;
using Pipelines.Persistence;
using Pipelines.Persistence.Postgres;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>
/// Opening the shared store: migrations applied once however many hosts start together, the connection string forms,
/// and a run store whose server is gone.
/// </summary>
public sealed class PostgresStoreTests
{
    private readonly CancellationToken _ct = CancellationToken.None;

    [Fact]
    public async Task Hosts_opening_an_empty_database_at_once_apply_each_migration_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync("migrate");

        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => PostgresStore.OpenAsync(database, ct: _ct))));

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(_ct);
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(_ct);
        var applied = new List<int>();
        while (await reader.ReadAsync(_ct)) applied.Add(reader.GetInt32(0));
        Assert.Equal(PostgresMigrations.All.Select(m => m.Version), applied);
        foreach (var store in stores) await store.DisposeAsync();
    }

    [Fact]
    public async Task Reopening_applies_only_the_migrations_added_since()
    {
        var database = await TestPostgres.CreateDatabaseAsync("migrate");
        await (await PostgresStore.OpenAsync(database, [PostgresMigrations.All[0]], null, _ct)).DisposeAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(_ct);
            await using var insert = new NpgsqlCommand("INSERT INTO definition_drafts (name, yaml, saved_at) VALUES ('kept', 'x', 1)", connection);
            await insert.ExecuteNonQueryAsync(_ct);
        }

        await using var store = await PostgresStore.OpenAsync(database, ct: _ct);

        Assert.Equal("kept", Assert.Single(await store.Drafts.ListAsync(_ct)).Name);
        Assert.Empty(await store.Registry.ListModelsAsync(_ct));
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused_with_what_to_do()
    {
        var database = await TestPostgres.CreateDatabaseAsync("migrate");
        await (await PostgresStore.OpenAsync(database, ct: _ct)).DisposeAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(_ct);
            await using var insert = new NpgsqlCommand("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)", connection);
            await insert.ExecuteNonQueryAsync(_ct);
        }

        var error = await Assert.ThrowsAsync<StoreUnusableException>(() => PostgresStore.OpenAsync(database, ct: _ct));

        Assert.Contains("schema version 99; this build knows up to", error.Message, StringComparison.Ordinal);
        Assert.Equal("use that newer build, or point the connection string at another database", error.Hint);
    }

    [Fact]
    public async Task A_run_store_whose_server_cannot_be_reached_says_so_to_every_caller()
    {
        // Nothing listens on port 1: every connection is refused at once.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=pipelines;Database=pipelines;Timeout=2");
        await using var runs = new PostgresRunStore(unreachable, "host-a");
        var run = new RunRow("r1", "p", 1, "pending", "{}", "manual", false, null, 1, null, null, null, false, "host-a", 2);
        var changes = new Pipelines.Runtime.Stores.RunChanges { Run = run with { Status = "running" } };

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => runs.GetRunAsync("r1", _ct));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => runs.CreateAsync(run, _ct));
        var journal = runs.NewJournal("r1", 1);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => journal.CommitAsync(changes));
        // Once a hand-over is lost, none after it is written either: the store keeps a prefix of the run's history.
        var later = await Assert.ThrowsAsync<InvalidOperationException>(() => journal.CommitAsync(changes));
        Assert.IsAssignableFrom<NpgsqlException>(later.InnerException);
    }

    [Fact]
    public async Task A_uri_connection_string_opens_the_same_database()
    {
        var keywords = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync("uri"));
        var password = string.IsNullOrEmpty(keywords.Password) ? "" : ":" + Uri.EscapeDataString(keywords.Password);
        var uri = $"postgresql://{Uri.EscapeDataString(keywords.Username!)}{password}@{keywords.Host}:{keywords.Port}/{keywords.Database}";

        await using var store = await PostgresStore.OpenAsync(uri, ct: _ct);
        await store.Drafts.SaveAsync("via-uri", "x", _ct);

        await using var again = await PostgresStore.OpenAsync(keywords.ConnectionString, ct: _ct);
        Assert.Equal("via-uri", Assert.Single(await again.Drafts.ListAsync(_ct)).Name);
    }
}
