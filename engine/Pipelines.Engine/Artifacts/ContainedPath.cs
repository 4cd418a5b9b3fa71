namespace Pipelines.Artifacts;

/// <summary>
/// Resolves a relative path under a root and proves the result stays inside it, on disk and not just as text:
/// symbolic links along the way are followed, so a link that points out of the root is caught.
/// </summary>
internal static class ContainedPath
{
    // As the kernel's ELOOP limit: deeper chains are almost certainly a cycle.
    private const int MaxLinks = 40;

    private static readonly char[] Separators = ['/', '\\'];

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public static string Resolve(string root, string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        if (relative.Length == 0)
            throw new ArgumentException("The path is empty; name a file or folder inside the data directory.", nameof(relative));
        if (Path.IsPathRooted(relative))
            throw new ArgumentException($"'{relative}' is an absolute path; give a path relative to the data directory.", nameof(relative));
        // Both separators count, so "..\x" is refused on Unix too: such a name would escape once the data moves to Windows.
        if (relative.Split(Separators).Contains(".."))
            throw new ArgumentException($"'{relative}' contains '..'; paths must stay inside the data directory.", nameof(relative));

        var fullRoot = Path.GetFullPath(root);
        var candidate = Path.GetFullPath(Path.Join(fullRoot, relative));
        if (!IsStrictlyInside(candidate, fullRoot))
            throw new ArgumentException($"'{relative}' does not name anything inside the data directory {fullRoot}.", nameof(relative));
        if (!IsStrictlyInside(RealPath(candidate), RealPath(fullRoot)))
            throw new ArgumentException($"'{relative}' leads out of the data directory {fullRoot} through a symbolic link.", nameof(relative));
        return candidate;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or under it, as text (resolve links first).</summary>
    public static bool IsWithin(string path, string root) => string.Equals(Path.TrimEndingDirectorySeparator(path), Path.TrimEndingDirectorySeparator(root), PathComparison)
                                                             || IsStrictlyInside(path, root);

    public static bool IsStrictlyInside(string path, string root)
    {
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, PathComparison);
    }

    /// <summary>
    /// The path with every symbolic link resolved, as far as it exists; the missing tail is kept as written.
    /// <c>..</c> is applied after the links before it are resolved, as the operating system does.
    /// </summary>
    internal static string RealPath(string path, int links = 0)
    {
        var root = Path.GetPathRoot(path) ?? throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
        var current = root;
        foreach (var part in path[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (links >= MaxLinks)
                    throw new IOException($"Too many symbolic links while resolving {path}.");
                next = RealPath(Path.IsPathRooted(target) ? target : Path.Join(current, target), links + 1);
            }
            current = next;
        }
        return current;
    }
}
