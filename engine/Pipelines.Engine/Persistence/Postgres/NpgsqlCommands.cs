using System.Data.Common;
using Npgsql;
using Pipelines.Persistence.Rows;

namespace Pipelines.Persistence.Postgres;

/// <summary>
/// Short forms for running SQL with positional parameters (<c>$1</c>, <c>$2</c>, ...): PostgreSQL's own placeholders,
/// sent as they are. Commands join the connection's open transaction.
/// </summary>
internal static class NpgsqlCommands
{
    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, params object?[] values)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken ct, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<object?> ScalarAsync(this NpgsqlConnection connection, string sql, CancellationToken ct, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    /// <summary>Every row the query returns, each turned into a record by <paramref name="read"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(this NpgsqlConnection connection, string sql, Func<DbDataReader, T> read, CancellationToken ct,
        params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAllAsync(read, ct);
    }

    /// <summary>
    /// Holds a transaction-scoped advisory lock on (<paramref name="space"/>, <paramref name="key"/>) until the transaction
    /// ends: writers that must read before they write (the next version number, an alias's current target) queue here
    /// instead of racing, even when the row they would lock does not exist yet.
    /// </summary>
    public static Task LockAsync(this NpgsqlConnection connection, PostgresLock space, string key, CancellationToken ct) =>
        connection.ExecuteAsync("SELECT pg_advisory_xact_lock($1, hashtext($2))", ct, (int)space, key);
}

/// <summary>The advisory lock spaces of the store (the first key of <c>pg_advisory_xact_lock(int, int)</c>).</summary>
internal enum PostgresLock
{
    /// <summary>Applying migrations: one host at a time; the others then find them applied.</summary>
    Migrations = 1701,

    /// <summary>Publishing a version of one pipeline name.</summary>
    DefinitionVersions = 1702,

    /// <summary>Registering a version of one model.</summary>
    ModelVersions = 1703,

    /// <summary>Moving (or rolling back) one alias of one model.</summary>
    ModelAliases = 1704,
}
