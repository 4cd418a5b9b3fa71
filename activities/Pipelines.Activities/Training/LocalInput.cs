using Pipelines.Artifacts;

namespace Pipelines.Activities.Training;

/// <summary>An input that names data: an artifact of this data directory, or a path on this machine.</summary>
public static class LocalInput
{
    /// <exception cref="ArgumentException">The path does not exist; the message names the input.</exception>
    public static string Resolve(string value, string input, ActivityContext context)
    {
        if (ArtifactReference.TryParse(value, out var reference)) return context.Artifacts.PathOf(reference);
        var path = Path.GetFullPath(value);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new ArgumentException($"{input}: {value} does not exist (resolved to {path}); give an artifact://sha256/... reference or an existing path.");
        return path;
    }
}
