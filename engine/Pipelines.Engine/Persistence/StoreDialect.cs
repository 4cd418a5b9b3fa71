using System.Data.Common;

namespace Pipelines.Persistence;

/// <summary>
/// What a database brings to the stores in <see cref="Sql"/>, which are written once for SQLite and PostgreSQL: its
/// connections and how it keeps writers that read before they write from racing. Everything else is the same SQL
/// (positional <c>$1</c> parameters, <c>RETURNING</c>, <c>ON CONFLICT</c>) over the same tables.
/// </summary>
public abstract class StoreDialect
{
    /// <summary>An open connection with the database's settings; the caller disposes it.</summary>
    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>
    /// A transaction for writes that read first. After it, <see cref="LockAsync"/> guards what the write reads: SQLite
    /// takes its one write lock here (<c>BEGIN IMMEDIATE</c>), which already covers everything.
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>A transaction whose reads all see one moment.</summary>
    public abstract Task<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// Inside a <see cref="BeginWriteAsync"/> transaction: waits until no other transaction holds (<paramref name="space"/>,
    /// <paramref name="key"/>), then holds it until this one ends. Works before the rows it guards exist.
    /// </summary>
    public abstract Task LockAsync(DbConnection connection, StoreLock space, string key, CancellationToken ct);
}

/// <summary>What a <see cref="StoreDialect.LockAsync"/> guards; the values are PostgreSQL's advisory lock spaces.</summary>
public enum StoreLock
{
    /// <summary>Applying migrations: one host at a time; the others then find them applied.</summary>
    Migrations = 1701,

    /// <summary>The versions of one pipeline name.</summary>
    DefinitionVersions = 1702,

    /// <summary>The versions of one model.</summary>
    ModelVersions = 1703,

    /// <summary>One alias of one model.</summary>
    ModelAliases = 1704,

    /// <summary>One review and its decisions.</summary>
    Review = 1705,
}
