using System.Runtime.InteropServices;
using System.Text;
using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>
/// Reads a pipeline file from disk, the one way every command does (<c>validate</c>, <c>publish</c>, <c>run FILE</c>):
/// only a regular file, and at most one byte more than the size limit. A named pipe would block the open until some
/// writer came; <c>/dev/zero</c> or a huge file would be read into memory just to be refused. So the kind of file is
/// asked first (without opening it), and the read stops at <c>limit + 1</c> bytes, which is enough to say "too large".
/// </summary>
internal static class PipelineFile
{
    /// <summary>The file's first <paramref name="maxBytes"/> + 1 bytes at most, or null and why it cannot be read (PL1011).</summary>
    public static byte[]? Read(string path, int maxBytes, out Diagnostic? unreadable)
    {
        unreadable = null;
        if (string.IsNullOrWhiteSpace(path))
        {
            unreadable = Unreadable(string.IsNullOrEmpty(path) ? "(empty path)" : path, "the file name is empty");
            return null;
        }

        if (Directory.Exists(path))
        {
            unreadable = Unreadable(path, "it is a folder, not a file");
            return null;
        }

        if (NotRegular(path) is { } kind)
        {
            unreadable = Unreadable(path, $"it is {kind}, not a regular file",
                "pass the path of a pipeline YAML file; to check generated YAML, write it to a file first");
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            var limit = maxBytes + 1;
            // The length is a hint only: files under /proc say 0 and still have content.
            var buffer = new byte[(int)Math.Clamp(stream.Length, 4096, limit)];
            var total = 0;
            while (total < limit)
            {
                if (total == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, limit));
                var read = stream.Read(buffer, total, buffer.Length - total);
                if (read == 0) break;
                total += read;
            }

            Array.Resize(ref buffer, total);
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            unreadable = Unreadable(path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message.TrimEnd('.'));
            return null;
        }
    }

    private static Diagnostic Unreadable(string path, string reason, string hint = "check the path") =>
        Diagnostic.Error(DiagnosticCodes.UnreadableFile, new SourceLocation(path, 1, 1), $"cannot read the file: {reason}", hint);

    /// <summary>
    /// "a named pipe (FIFO)", "a character device" ... when <paramref name="path"/> (links followed) is there and is not a
    /// regular file; null for a regular file, or when it cannot be told (then opening it reports what is wrong). .NET
    /// has no API for the kind of a file, so on Linux this asks statx(2), whose layout is the same on every architecture.
    /// </summary>
    private static string? NotRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256]; // sizeof(struct statx)
        try
        {
            if (statx(AtCurrentDirectory, Encoding.UTF8.GetBytes(path + '\0'), 0, StatxType, buffer) != 0) return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // a C library without statx (before glibc 2.28): open as before
        }

        var mode = BitConverter.ToUInt16(buffer, 28) & 0xF000; // stx_mode & S_IFMT
        return mode switch
        {
            0x8000 => null,
            0x1000 => "a named pipe (FIFO)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a folder",
            _ => "a special file",
        };
    }

    private const int AtCurrentDirectory = -100; // AT_FDCWD

    private const uint StatxType = 0x1; // STATX_TYPE

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}
