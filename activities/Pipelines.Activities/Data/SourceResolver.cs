using System.IO.Enumeration;
using Pipelines.Artifacts;

namespace Pipelines.Activities.Data;

/// <summary>
/// Turns the <c>source</c> input into the files to read, in ordinal order of their names: a file, every file under a
/// folder (names starting with '.' skipped, as are folders starting with '.'), the files a glob matches (<c>*</c> and
/// <c>?</c> within a name, <c>**</c> for any number of folders), or the content of an artifact.
/// </summary>
internal static class SourceResolver
{
    public static IReadOnlyList<SourceFile> Resolve(string source, string format, ArtifactStore? artifacts)
    {
        if (string.IsNullOrWhiteSpace(source)) throw Bad("source is empty; give a folder, a file, a glob or an artifact://sha256/... reference");

        if (ArtifactReference.TryParse(source.Trim(), out var reference))
        {
            if (artifacts is null) throw Bad($"source {reference} is an artifact, and this context has no artifact store");
            string path;
            try
            {
                path = artifacts.PathOf(reference);
            }
            catch (ArtifactNotFoundException e)
            {
                throw Bad($"source: {e.Message}");
            }

            return File.Exists(path) ? [Make(path, reference.Uri, reference.Digest[..12], format)] : Folder(path, reference.Digest[..12], format, null);
        }

        if (File.Exists(source)) return [Make(source, Path.GetFileName(source), FolderName(Path.GetDirectoryName(Path.GetFullPath(source))), format)];
        if (Directory.Exists(source)) return Folder(source, FolderName(Path.GetFullPath(source)), format, null);

        var wildcard = source.IndexOfAny(['*', '?']);
        if (wildcard < 0)
        {
            throw Bad($"source '{source}' is not a file, a folder or a glob (looked in {Path.GetFullPath(source)}); "
                      + "the demo corpus is installed by bin/pipelines data fetch spam-assassin");
        }

        var separator = source.LastIndexOfAny(['/', '\\'], wildcard);
        var root = separator < 0 ? "." : source[..(separator + 1)];
        var pattern = source[(separator + 1)..].Replace('\\', '/');
        if (!Directory.Exists(root)) throw Bad($"source '{source}': the folder {Path.GetFullPath(root)} does not exist");
        var files = Folder(root, FolderName(Path.GetFullPath(root)), format, pattern.Split('/', StringSplitOptions.RemoveEmptyEntries));
        return files.Count > 0 ? files : throw Bad($"source '{source}' matches no file");
    }

    private static List<SourceFile> Folder(string root, string rootName, string format, string[]? pattern)
    {
        var full = Path.GetFullPath(root);
        var files = new List<SourceFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        foreach (var path in Directory.EnumerateFiles(full, "*", options))
        {
            var name = Path.GetRelativePath(full, path).Replace('\\', '/');
            if (name.Split('/').Any(part => part.StartsWith('.'))) continue;
            if (pattern is not null && !Matches(pattern, 0, name.Split('/'), 0)) continue;
            var parent = name.LastIndexOf('/') is var slash and > 0 ? name[..slash] : null;
            files.Add(Make(path, name, parent is null ? rootName : FolderName(parent), format));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    private static bool Matches(string[] pattern, int p, string[] parts, int n)
    {
        if (p == pattern.Length) return n == parts.Length;
        if (pattern[p] == "**")
        {
            for (var skip = n; skip <= parts.Length; skip++)
            {
                if (Matches(pattern, p + 1, parts, skip)) return true;
            }

            return false;
        }

        return n < parts.Length && FileSystemName.MatchesSimpleExpression(pattern[p], parts[n], ignoreCase: false) && Matches(pattern, p + 1, parts, n + 1);
    }

    private static SourceFile Make(string path, string name, string folder, string format) => new(path, name, FormatOf(name, format)) { Folder = folder };

    private static SourceFormat FormatOf(string name, string format)
    {
        var extension = Path.GetExtension(name).ToLowerInvariant();
        return format switch
        {
            "mail" => extension == ".mbox" ? SourceFormat.Mbox : SourceFormat.Mail,
            "jsonl" => SourceFormat.Jsonl,
            "csv" => SourceFormat.Csv,
            _ => extension switch
            {
                ".jsonl" or ".ndjson" => SourceFormat.Jsonl,
                ".csv" => SourceFormat.Csv,
                ".mbox" => SourceFormat.Mbox,
                _ => SourceFormat.MailOrJsonl,
            },
        };
    }

    private static string FolderName(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "";
        var trimmed = path.TrimEnd('/', '\\');
        var slash = trimmed.LastIndexOfAny(['/', '\\']);
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    private static ActivityFailedException Bad(string message) => new(message, retryable: false);
}
