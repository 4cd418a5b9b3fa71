using System.Data.Common;

namespace Pipelines.Persistence.Sqlite;

/// <summary>
/// The embedded store's side of the stores in <see cref="Sql"/>: pooled connections to <c>pipelines.db</c>. SQLite has
/// one write lock for the whole file; a write transaction takes it before its first read (<c>BEGIN IMMEDIATE</c>), so
/// nothing finer is needed: <see cref="LockAsync"/> has nothing left to do.
/// </summary>
public sealed class SqliteDialect(SqliteDatabase database) : StoreDialect
{
    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) => await database.OpenConnectionAsync(ct);

    public override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: false));

    // A deferred transaction reads from one snapshot of the WAL from its first read on.
    public override Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken ct) =>
        Task.FromResult<DbTransaction>(((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: true));

    public override Task LockAsync(DbConnection connection, StoreLock space, string key, CancellationToken ct) => Task.CompletedTask;
}
