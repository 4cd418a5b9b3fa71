using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Artifacts;

namespace Pipelines.Runtime;

/// <summary>
/// The folders that step inputs naming local files (<see cref="LocalPathAttribute"/>: datasets, model folders, curation
/// sources, a review's dataset) may reach: the data directory and the configured roots. A hosted service runs
/// pipelines written by other people, so it must not read whatever its own account can (<c>/etc/passwd</c> as a
/// curation source ends up in the quarantine artifact; a review's dataset is shown to every viewer). The check is made
/// once, by the runtime, on the resolved inputs before the activity or the cache sees them, so no activity has to.
/// </summary>
public sealed class FileRoots
{
    public FileRoots(IEnumerable<string> folders) => Folders = [.. folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)];

    /// <summary>Absolute folders, the data directory first.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>
    /// The first problem with <paramref name="activity"/>'s local-path inputs, or null. A value written as an artifact
    /// reference that is not exactly one is always a problem (it would otherwise be read as a relative path); a path
    /// outside <paramref name="roots"/> is one when there are roots (null: this process may read any path).
    /// </summary>
    internal static string? Check(ActivityDescriptor activity, JsonObject inputs, FileRoots? roots)
    {
        foreach (var port in activity.Inputs)
        {
            if (!port.LocalPath) continue;
            switch (inputs[port.Name])
            {
                case JsonValue value when value.TryGetValue<string>(out var text):
                    if (Problem(text, roots) is { } problem) return $"input '{port.Name}': {problem}";
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonValue item && item.TryGetValue<string>(out var path) && Problem(path, roots) is { } itemProblem)
                        {
                            return $"input '{port.Name}[{i}]': {itemProblem}";
                        }
                    }

                    break;
            }
        }

        return null;
    }

    private static string? Problem(string value, FileRoots? roots)
    {
        if (ArtifactReference.IsMalformed(value)) return ArtifactReference.MalformedMessage(value);
        if (roots is null || string.IsNullOrWhiteSpace(value) || ArtifactReference.TryParse(value, out _)) return null;
        return roots.Contains(value) ? null
            : $"{value} is outside the folders this process may read ({string.Join(", ", roots.Folders)}); "
              + "copy it under one of them, or have the administrator add a root (Files:Roots in appsettings.json, or Files__Roots__0=/path in the environment)";
    }

    /// <summary>
    /// Whether what <paramref name="value"/> names (a file, a folder, or the folder a glob searches) lies in a root once
    /// every symbolic link is followed. Relative paths are relative to the working directory, as activities read them.
    /// Both ways a path with <c>..</c> can be read are checked: as text first (.NET's full path) and as the operating
    /// system walks it (links first, then <c>..</c>).
    /// </summary>
    private bool Contains(string value)
    {
        var named = value;
        var wildcard = value.IndexOfAny(['*', '?']);
        if (wildcard >= 0)
        {
            var separator = value.LastIndexOfAny(['/', '\\'], wildcard);
            named = separator < 0 ? "." : value[..(separator + 1)];
        }

        try
        {
            var real = Folders.Select(root => ContainedPath.RealPath(root)).ToList();
            var asWritten = Path.IsPathRooted(named) ? named : Path.Join(Environment.CurrentDirectory, named);
            return real.Any(root => ContainedPath.IsWithin(ContainedPath.RealPath(Path.GetFullPath(named)), root))
                   && real.Any(root => ContainedPath.IsWithin(ContainedPath.RealPath(asWritten), root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false; // a path that cannot even be resolved is not shown to be inside
        }
    }
}
