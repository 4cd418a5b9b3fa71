namespace Pipelines.Activities.Training;

/// <summary>
/// Writes a folder (an adapter, a model, a report) into a temporary directory and stores it as one artifact; the
/// temporary directory is removed whatever happens.
/// </summary>
public static class ArtifactFolder
{
    /// <summary>Runs <paramref name="write"/> on a fresh folder, stores the folder as <paramref name="kind"/>, and returns both.</summary>
    public static async Task<(T Result, string Reference)> StoreAsync<T>(ActivityContext context, string kind,
        Func<string, Task<T>> write, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory($"pipelines-{kind}-").FullName;
        try
        {
            var result = await write(directory).ConfigureAwait(false);
            var reference = await context.Artifacts.PutDirectoryAsync(directory, kind, ct).ConfigureAwait(false);
            return (result, reference.Uri);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Stores the folder <paramref name="write"/> fills as <paramref name="kind"/>; returns the reference.</summary>
    public static async Task<string> StoreAsync(ActivityContext context, string kind, Action<string> write, CancellationToken ct) =>
        (await StoreAsync(context, kind, directory =>
        {
            write(directory);
            return Task.FromResult(0);
        }, ct).ConfigureAwait(false)).Reference;
}
