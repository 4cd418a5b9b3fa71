using System.Data.Common;
using Pipelines.Persistence.Rows;

namespace Pipelines.Persistence;

/// <summary>
/// Running SQL with positional parameters (<c>$1</c>, <c>$2</c>, ...) on either database: PostgreSQL reads them as its
/// own placeholders; SQLite as parameters named <c>$1</c>, <c>$2</c>. Commands join the connection's open transaction
/// (both providers enlist them in it).
/// </summary>
internal static class StoreCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, object?[] values)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var named = command is not Npgsql.NpgsqlCommand; // Npgsql sends unnamed parameters as $1, $2, ... as they are
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            if (named) parameter.ParameterName = $"${i + 1}";
            parameter.Value = values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, CancellationToken ct, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<object?> ScalarAsync(this DbConnection connection, string sql, CancellationToken ct, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }

    /// <summary>Every row the query returns, each turned into a record by <paramref name="read"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, string sql, Func<DbDataReader, T> read,
        CancellationToken ct, params object?[] values)
    {
        await using var command = connection.Command(sql, values);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAllAsync(read, ct);
    }
}
