using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipelines.Persistence;

/// <summary>
/// A statement prepared once on a connection and run many times, binding by index through SQLite's own API. The
/// writer's hot path: Microsoft.Data.Sqlite looks every parameter up by name on every execution, which cost more than
/// the insert itself. Parameter names are resolved to indexes once, here.
/// </summary>
internal sealed class PreparedStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _indexes;

    public PreparedStatement(SqliteConnection connection, string sql, params string[] names)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_database, sql, out _statement));
        _indexes = names.Select(n => raw.sqlite3_bind_parameter_index(_statement, n)).ToArray();
        if (_indexes.Any(i => i == 0))
        {
            throw new InvalidOperationException($"a parameter of [{string.Join(", ", names)}] is not in: {sql}");
        }
    }

    /// <summary>Binds <paramref name="values"/> to the named parameters, in the order they were named, and runs the statement.</summary>
    public void Run(params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var index = _indexes[i];
            var rc = values[i] switch
            {
                null => raw.sqlite3_bind_null(_statement, index),
                string text => raw.sqlite3_bind_text(_statement, index, text),
                long number => raw.sqlite3_bind_int64(_statement, index, number),
                int number => raw.sqlite3_bind_int64(_statement, index, number),
                bool flag => raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
                var other => throw new ArgumentException($"cannot bind a {other.GetType().Name}"),
            };
            Check(rc);
        }

        var step = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (step != raw.SQLITE_DONE && step != raw.SQLITE_ROW)
        {
            Check(step);
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_database).utf8_to_string()}'.", rc);
        }
    }

    public void Dispose() => _statement.Dispose();
}
