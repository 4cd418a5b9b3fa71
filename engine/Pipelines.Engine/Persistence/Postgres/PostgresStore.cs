using Npgsql;
using Pipelines.Persistence.Sql;
using Pipelines.Runtime.Stores;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The shared store: one PostgreSQL database that several hosts open at once. Opening it applies pending migrations
/// (<see cref="PostgresMigrations"/>) under an advisory lock, so hosts starting together migrate once; the stores it
/// hands out (the ones in <see cref="Sql"/>, over <see cref="PostgresDialect"/>, and run stores, <see cref="OpenRunStore"/>)
/// then share one pooled <see cref="NpgsqlDataSource"/>.
/// </summary>
public sealed class PostgresStore : IAsyncDisposable
{
    private readonly List<PostgresRunStore> _runStores = [];

    private PostgresStore(NpgsqlDataSource dataSource, TimeProvider time)
    {
        DataSource = dataSource;
        var dialect = new PostgresDialect(dataSource);
        Definitions = new SqlDefinitionStore(dialect, time);
        Drafts = new SqlDraftStore(dialect, time);
        Reviews = new SqlReviewStore(dialect, time);
        ScheduleStates = new SqlScheduleStateStore(dialect);
        Registry = new SqlModelRegistry(dialect, time);
        RequestLog = new SqlRequestLog(dialect);
        Artifacts = new SqlArtifactIndex(dialect, time);
    }

    public NpgsqlDataSource DataSource { get; }

    public IDefinitionStore Definitions { get; }

    public IDraftStore Drafts { get; }

    public IReviewStore Reviews { get; }

    public IScheduleStateStore ScheduleStates { get; }

    public IModelRegistry Registry { get; }

    public IRequestLog RequestLog { get; }

    /// <summary>The artifact index; the content stays in the shared data directory (<see cref="Artifacts.ArtifactStore"/>).</summary>
    public IArtifactIndex Artifacts { get; }

    /// <summary>
    /// The run store over this database, writing as <paramref name="owner"/> (<c>RuntimeOptions.Owner</c>; null for a
    /// store only read). Each call opens another, as another host would have; they are disposed (their pending
    /// hand-overs written) before this store closes its connections.
    /// </summary>
    public PostgresRunStore OpenRunStore(string? owner)
    {
        var runs = new PostgresRunStore(DataSource, owner);
        lock (_runStores) _runStores.Add(runs);
        return runs;
    }

    /// <summary>
    /// Connects to <paramref name="connectionString"/> (a postgres:// URL or Npgsql's keywords: <see cref="PostgresAddress"/>)
    /// and brings the schema up to date. Throws <see cref="StoreUnusableException"/> for an address that is not one, a
    /// server that cannot be reached or refuses the user, or a database a newer build migrated.
    /// </summary>
    public static Task<PostgresStore> OpenAsync(string connectionString, TimeProvider? time = null, CancellationToken ct = default) =>
        OpenAsync(connectionString, PostgresMigrations.All, time, ct);

    internal static async Task<PostgresStore> OpenAsync(string connectionString, IReadOnlyList<SchemaMigration> migrations, TimeProvider? time,
        CancellationToken ct)
    {
        SchemaMigration.CheckNumbering(migrations);
        var address = PostgresAddress.Parse(connectionString, "the PostgreSQL store");
        var dataSource = NpgsqlDataSource.Create(address.ConnectionString);
        try
        {
            await MigrateAsync(dataSource, migrations, ct);
            return new PostgresStore(dataSource, time ?? TimeProvider.System);
        }
        catch (NpgsqlException e)
        {
            await dataSource.DisposeAsync();
            // Npgsql's own words name the server and the problem, never the password.
            throw new StoreUnusableException($"cannot use the store {address}: {e.Message}",
                "check that the server is up and the user, password and database in --store (or PIPELINES_STORE) are right; the database must exist");
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        PostgresRunStore[] runStores;
        lock (_runStores) runStores = [.. _runStores];
        foreach (var runs in runStores) await runs.DisposeAsync();
        await DataSource.DisposeAsync();
    }

    /// <summary>
    /// Applies the migrations the database lacks, all in one transaction that holds the migration lock: a host that
    /// opens the database meanwhile waits, then finds them applied. PostgreSQL's DDL is transactional, so a migration
    /// that fails leaves nothing half-built.
    /// </summary>
    private static async Task MigrateAsync(NpgsqlDataSource dataSource, IReadOnlyList<SchemaMigration> migrations, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await new PostgresDialect(dataSource).LockAsync(connection, StoreLock.Migrations, "schema", ct);
        await connection.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                description text    NOT NULL,
                applied_at  bigint  NOT NULL
            )
            """, ct);

        var current = Convert.ToInt32(await connection.ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", ct));
        if (current > migrations.Count)
        {
            throw new StoreUnusableException(
                $"the PostgreSQL database {connection.Database} was migrated by a newer pipelines (schema version {current}; this build knows up to {migrations.Count})",
                "use that newer build, or point the connection string at another database");
        }

        foreach (var migration in migrations.Skip(current))
        {
            await connection.ExecuteAsync(migration.Sql, ct);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)", ct,
                migration.Version, migration.Description, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        }

        await transaction.CommitAsync(ct);
    }
}
