using System.Runtime.InteropServices;
using System.Text;

namespace Pipelines.Artifacts;

/// <summary>
/// Flushes a directory's entries to disk. A rename is only durable once the directory holding the new name is
/// flushed: without this, a power cut after the store recorded an artifact could bring the row back but not the file.
/// </summary>
/// <remarks>
/// .NET has no API for this (a <see cref="FileStream"/> cannot open a directory), so on Unix it calls open/fsync
/// directly. Best effort: some file systems refuse to fsync a directory, and losing that guarantee there is better
/// than failing every write. On Windows NTFS journals the rename itself, and there is no directory handle to flush.
/// </remarks>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY on Linux and macOS

    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;

        var path = Encoding.UTF8.GetBytes(directory + '\0');
        int descriptor;
        try
        {
            descriptor = open(path, ReadOnly);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return;
        }
        if (descriptor < 0)
            return;
        try
        {
            _ = fsync(descriptor);
        }
        finally
        {
            _ = close(descriptor);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int descriptor);
}
