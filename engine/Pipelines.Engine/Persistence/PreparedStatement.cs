using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipelines.Persistence;

/// <summary>
/// A statement prepared once on a connection and run many times, binding by position through SQLite's own API: the
/// writer's hot path. Microsoft.Data.Sqlite looks every parameter up by name on every execution, which cost more than
/// the insert itself; here names are resolved to indexes once, values are bound by type without boxing, and text goes
/// to SQLite as UTF-8 encoded into one reused buffer (SQLite copies it).
/// </summary>
internal sealed class PreparedStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;
    private readonly IntPtr _handle; // _statement's, for the direct calls of SqliteNative; valid while _statement is not disposed
    private readonly int[] _indexes;
    private readonly bool[] _null; // bindings outlive a reset: a parameter that stays NULL row after row is bound once
    private byte[] _utf8 = new byte[256];

    public PreparedStatement(SqliteConnection connection, string sql, params string[] names)
    {
        _database = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_database, sql, out _statement));
        _handle = _statement.DangerousGetHandle();
        _indexes = names.Select(n => raw.sqlite3_bind_parameter_index(_statement, n)).ToArray();
        if (_indexes.Any(i => i == 0))
        {
            throw new InvalidOperationException($"a parameter of [{string.Join(", ", names)}] is not in: {sql}");
        }

        _null = new bool[names.Length];
        Array.Fill(_null, true); // a fresh statement's parameters are NULL
    }

    /// <summary>Binds the <paramref name="parameter"/>th named parameter (in the order they were named) to text or NULL.</summary>
    public PreparedStatement Text(int parameter, string? value)
    {
        if (value is null) return Null(parameter);
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _utf8.Length) _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        var written = Encoding.UTF8.GetBytes(value, _utf8);
        // Never an empty span: one may be passed as a null pointer, which SQLite binds as NULL, not as ''.
        Check(SqliteNative.sqlite3_bind_text(_handle, _indexes[parameter], _utf8.AsSpan(0, Math.Max(written, 1)), written, SqliteNative.Transient));
        _null[parameter] = false;
        return this;
    }

    /// <summary>Binds the <paramref name="parameter"/>th named parameter to text already encoded as UTF-8 (never empty).</summary>
    public PreparedStatement Utf8(int parameter, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) throw new ArgumentException("empty text would be bound as NULL", nameof(value));
        Check(SqliteNative.sqlite3_bind_text(_handle, _indexes[parameter], value, value.Length, SqliteNative.Transient));
        _null[parameter] = false;
        return this;
    }

    /// <summary>Binds the <paramref name="parameter"/>th named parameter to an integer or NULL.</summary>
    public PreparedStatement Integer(int parameter, long? value)
    {
        if (value is not { } number) return Null(parameter);
        Check(SqliteNative.sqlite3_bind_int64(_handle, _indexes[parameter], number));
        _null[parameter] = false;
        return this;
    }

    public PreparedStatement Integer(int parameter, bool value) => Integer(parameter, value ? 1 : 0);

    private PreparedStatement Null(int parameter)
    {
        if (_null[parameter]) return this;
        Check(SqliteNative.sqlite3_bind_null(_handle, _indexes[parameter]));
        _null[parameter] = true;
        return this;
    }

    /// <summary>Runs the statement with the values bound since the last run.</summary>
    public void Execute()
    {
        var step = SqliteNative.sqlite3_step(_handle);
        _ = SqliteNative.sqlite3_reset(_handle); // its code repeats the step's, checked below
        if (step != raw.SQLITE_DONE && step != raw.SQLITE_ROW)
        {
            Check(step);
        }
    }

    /// <summary>Runs a query of one integer column: its first row's value, or null when it returns no row.</summary>
    public long? QueryInteger()
    {
        var step = SqliteNative.sqlite3_step(_handle);
        try
        {
            if (step == raw.SQLITE_ROW) return raw.sqlite3_column_int64(_statement, 0);
            if (step != raw.SQLITE_DONE) Check(step);
            return null;
        }
        finally
        {
            _ = SqliteNative.sqlite3_reset(_handle);
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
