using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Persistence.Postgres;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Runtime.Stores;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>Every contract of one opened store, as a host sees them; <see cref="Runs"/> writes as the host's owner.</summary>
public sealed record OpenedStores(
    IDefinitionStore Definitions,
    IDraftStore Drafts,
    IReviewStore Reviews,
    IScheduleStateStore ScheduleStates,
    IModelRegistry Registry,
    IRequestLog RequestLog,
    IArtifactIndex Artifacts,
    IRunStore Runs);

/// <summary>
/// One empty database of one kind that a contract test runs against. Each <see cref="OpenAsync"/> opens it afresh, as
/// another process or host would: its own connections, its own migration check, and a run store writing as
/// <c>owner</c> (null: one that only reads).
/// </summary>
public abstract class StoreTarget : IAsyncDisposable
{
    public abstract Task<OpenedStores> OpenAsync(TimeProvider time, string? owner);

    public abstract ValueTask DisposeAsync();
}

/// <summary>The embedded store: <c>pipelines.db</c> in a temporary data directory.</summary>
public sealed class SqliteTarget : StoreTarget
{
    private readonly TemporaryDataDirectory _directory = new();
    private readonly List<SqliteRunStore> _runStores = [];

    public override async Task<OpenedStores> OpenAsync(TimeProvider time, string? owner)
    {
        var database = await SqliteDatabase.OpenAsync(_directory.Path, CancellationToken.None);
        var sqlite = new SqliteDialect(database);
        var runs = new SqliteRunStore(database, owner);
        lock (_runStores) _runStores.Add(runs);
        return new OpenedStores(new SqlDefinitionStore(sqlite, time), new SqlDraftStore(sqlite, time), new SqlReviewStore(sqlite, time),
            new SqlScheduleStateStore(sqlite), new SqlModelRegistry(sqlite, time), new SqlRequestLog(sqlite), new SqlArtifactIndex(sqlite, time),
            runs);
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var runs in _runStores) await runs.DisposeAsync(); // their writers hold connections to the file
        _directory.Dispose();
    }
}

/// <summary>The shared store: a fresh database on the test PostgreSQL server (<see cref="TestPostgres"/>).</summary>
public sealed class PostgresTarget : StoreTarget
{
    private readonly List<PostgresStore> _opened = [];
    private readonly Lazy<Task<string>> _database = new(() => TestPostgres.CreateDatabaseAsync("stores"));

    /// <summary>The database's connection string; it is created on first use.</summary>
    public Task<string> ConnectionStringAsync() => _database.Value;

    public override async Task<OpenedStores> OpenAsync(TimeProvider time, string? owner)
    {
        var store = await PostgresStore.OpenAsync(await ConnectionStringAsync(), time);
        lock (_opened) _opened.Add(store);
        return new OpenedStores(store.Definitions, store.Drafts, store.Reviews, store.ScheduleStates, store.Registry, store.RequestLog, store.Artifacts,
            store.OpenRunStore(owner));
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }
}

/// <summary>
/// The base of every contract test class: a fresh database of the subclass's kind per test, a clock that moves only
/// when the test says, and <see cref="OpenAsync"/> for a store over it (call it again for a second host; with an owner,
/// its run store writes as that host).
/// </summary>
public abstract class StoreContract(StoreTarget target) : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 30, 0, 123, TimeSpan.Zero);

    private TemporaryDataDirectory? _files;

    protected SteppedTimeProvider Time { get; } = new(Start);

    protected CancellationToken Ct => CancellationToken.None;

    protected StoreTarget Target => target;

    /// <summary>A temporary folder for files (artifact content), removed after the test.</summary>
    protected string FilesPath => (_files ??= new TemporaryDataDirectory()).Path;

    protected Task<OpenedStores> OpenAsync(string? owner = null) => target.OpenAsync(Time, owner);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await target.DisposeAsync();
        _files?.Dispose();
    }
}
