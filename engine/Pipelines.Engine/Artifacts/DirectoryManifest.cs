using System.Security.Cryptography;
using System.Text;

namespace Pipelines.Artifacts;

/// <summary>
/// The identity of a directory artifact: sha256 over one line per file, in ordinal order of the relative path
/// (with <c>/</c> separators), each <c>&lt;relative path&gt;\0&lt;sha256 of content&gt;\n</c>. Folder structure is
/// implied by the paths, so empty folders are not part of an artifact.
/// </summary>
internal static class DirectoryManifest
{
    /// <summary>
    /// The relative paths of every file under <paramref name="root"/>, hidden ones included, in manifest order.
    /// Refuses symbolic links (their target could be outside the folder or change later, and the digest must cover
    /// exactly what a reader gets) and folders with no files.
    /// </summary>
    public static IReadOnlyList<string> ListFiles(string root)
    {
        var files = new List<string>();
        var everything = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.TryPop(out var folder))
        {
            foreach (var entry in folder.EnumerateFileSystemInfos("*", everything))
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    throw new ArgumentException(
                        $"Cannot store the folder {root}: '{relative}' is a symbolic link. A directory artifact holds plain files only; "
                        + "replace the link with a copy of what it points to.", nameof(root));
                }
                if (entry is DirectoryInfo inner)
                    pending.Push(inner);
                else
                    files.Add(relative);
            }
        }

        if (files.Count == 0)
            throw new ArgumentException($"Cannot store the folder {root}: it holds no files.", nameof(root));
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The manifest digest of files given as (relative path with '/', sha256 hex of content).</summary>
    public static string Digest(IEnumerable<(string RelativePath, string Sha256)> files)
    {
        var manifest = new StringBuilder();
        foreach (var (path, sha256) in files.OrderBy(file => file.RelativePath, StringComparer.Ordinal))
            manifest.Append(path).Append('\0').Append(sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.ToString())));
    }
}
