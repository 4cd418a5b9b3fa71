using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipelines.Persistence;

/// <summary>
/// The data directory or its <c>pipelines.db</c> cannot hold a store as it is: a file where the folder should be, a
/// folder or a foreign file where the database should be, a database changed outside pipelines or written by a newer
/// build. The user's to fix, so it says what is wrong (<see cref="Exception.Message"/>) and what to do (<see cref="Hint"/>).
/// </summary>
public sealed class StoreUnusableException(string message, string hint) : Exception(message)
{
    private const string MoveAway = "move it away, or point --data-dir (or PIPELINES_DATA) at another folder";

    public string Hint { get; } = hint;

    public static StoreUnusableException DataDirectory(string directory, string reason) =>
        new($"the data directory {directory} cannot be used: {reason}", "point --data-dir (or PIPELINES_DATA) at a folder you can write");

    public static StoreUnusableException NotAStore(string database, string reason) => new($"{database} is not a Pipelines store ({reason})", MoveAway);

    public static StoreUnusableException Newer(string database, int version, int known) =>
        new($"{database} was written by a newer pipelines (schema version {version}; this build knows up to {known})",
            "use that newer build, or point --data-dir (or PIPELINES_DATA) at another folder");

    public static StoreUnusableException MissingTables(string database, IEnumerable<string> tables) =>
        new($"{database} lacks the table(s) {string.Join(", ", tables)}: it was changed outside pipelines",
            "restore it from a backup, or move it away to start an empty store");

    /// <summary>The store's problem behind a SQLite error on opening, or null when the error is not one the user can fix.</summary>
    internal static StoreUnusableException? From(string database, SqliteException error)
    {
        var reason = SqliteReason(error);
        return error.SqliteErrorCode switch
        {
            raw.SQLITE_NOTADB or raw.SQLITE_CORRUPT => NotAStore(database, reason),
            raw.SQLITE_CANTOPEN when Directory.Exists(database) => NotAStore(database, "it is a folder"),
            raw.SQLITE_CANTOPEN or raw.SQLITE_READONLY or raw.SQLITE_PERM or raw.SQLITE_IOERR =>
                new($"cannot open {database} for writing ({reason})", $"make {System.IO.Path.GetDirectoryName(database)} and the file writable, or point --data-dir at another folder"),
            raw.SQLITE_FULL => new($"cannot write {database} ({reason})", "free some disk space and try again"),
            _ => null,
        };
    }

    /// <summary>SQLite's own words, without the "SQLite Error 26: '...'." wrapping.</summary>
    private static string SqliteReason(SqliteException error)
    {
        var message = error.Message;
        var (first, last) = (message.IndexOf('\'', StringComparison.Ordinal), message.LastIndexOf('\''));
        return first >= 0 && last > first ? message[(first + 1)..last] : message.TrimEnd('.');
    }
}
