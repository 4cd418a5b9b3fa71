using System.Runtime.InteropServices;

namespace Pipelines.Persistence;

/// <summary>
/// The few SQLite calls of the writer's per-row loop, bound straight to the library Microsoft.Data.Sqlite already loaded
/// (e_sqlite3: the same file, so the same instance). SQLitePCL's wrappers add a provider dispatch and a SafeHandle
/// reference count to every call, twenty calls a row; in profiles of the engine benchmark those alone took about 4% of
/// all processor time. The handles stay owned (and kept alive) by <see cref="PreparedStatement"/>.
/// </summary>
internal static partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_TRANSIENT: SQLite copies the bytes before the call returns, so the caller's buffer can be reused.</summary>
    public static readonly IntPtr Transient = -1;

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int sqlite3_bind_int64(IntPtr statement, int index, long value);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int sqlite3_bind_null(IntPtr statement, int index);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int sqlite3_bind_text(IntPtr statement, int index, ReadOnlySpan<byte> text, int length, IntPtr destructor);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int sqlite3_step(IntPtr statement);

    [LibraryImport(Library)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int sqlite3_reset(IntPtr statement);
}
