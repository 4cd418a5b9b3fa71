namespace Pipelines.Artifacts;

/// <summary>Removes the temporary copies a killed process left in <c>artifacts/tmp</c>.</summary>
internal static class TemporaryLeftovers
{
    /// <summary>
    /// Deletes each entry of <paramref name="directory"/> that nothing has written to since <paramref name="cutoff"/>
    /// (for a folder: no file or folder in it). Best effort: an entry that cannot be removed now is tried at the next open.
    /// </summary>
    public static void DeleteUntouchedSince(string directory, DateTimeOffset cutoff)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            try
            {
                if (LastWrite(entry) >= cutoff.UtcDateTime)
                    continue;
                if (entry is DirectoryInfo folder && folder.LinkTarget is null)
                    folder.Delete(recursive: true);
                else
                    entry.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process may be cleaning up the same entry, or still holds it open.
            }
        }
    }

    private static DateTime LastWrite(FileSystemInfo entry)
    {
        var latest = entry.LastWriteTimeUtc;
        if (entry is DirectoryInfo folder && folder.LinkTarget is null)
        {
            var everything = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
            foreach (var inner in folder.EnumerateFileSystemInfos("*", everything))
            {
                if (inner.LastWriteTimeUtc > latest)
                    latest = inner.LastWriteTimeUtc;
            }
        }
        return latest;
    }
}
