namespace Pipelines.Persistence;

/// <summary>
/// Folders made where the user pointed (the data directory, <c>--out</c>): when one cannot be made, the reason is the
/// part of the path that is a file, or else the system's own words, never "could not find a part of the path" alone.
/// </summary>
public static class CreatableFolder
{
    /// <summary>Creates <paramref name="path"/> with its parents; null when it exists or was made, else why it cannot be.</summary>
    public static string? TryCreate(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return "it is a file, not a folder";
        try
        {
            Directory.CreateDirectory(full);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Reason(full, e);
        }
    }

    /// <summary>Why writing under <paramref name="path"/> failed with <paramref name="error"/>: a parent that is a file, or the error's message.</summary>
    public static string Reason(string path, Exception error)
    {
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(path)); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent)) return $"{parent} is a file, not a folder";
        }

        return error.Message.TrimEnd('.');
    }
}
