using System.Data;
using System.Data.Common;
using Npgsql;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The shared store's side of the stores in <see cref="Sql"/>: connections from one pooled <see cref="NpgsqlDataSource"/>,
/// and transaction-scoped advisory locks (<c>pg_advisory_xact_lock</c>) where SQLite's file-wide write lock serialised
/// writers: on the pipeline name being published, the model being registered, the alias being moved, the review being
/// decided. Writers on other names go on in parallel; writers on the same one queue, across every host.
/// </summary>
public sealed class PostgresDialect(NpgsqlDataSource dataSource) : StoreDialect
{
    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) => await dataSource.OpenConnectionAsync(ct);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

    public override async Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);

    public override Task LockAsync(DbConnection connection, StoreLock space, string key, CancellationToken ct) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock($1, hashtext($2))", ct, (int)space, key);
}
