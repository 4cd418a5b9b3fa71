using System.Buffers;
using Pipelines.Artifacts;

namespace Pipelines.Checkpoints;

/// <summary>
/// State that lets a step resume after a crash, a kill or a lost lease, kept per run and step under
/// <c>&lt;dataDirectory&gt;/checkpoints/&lt;runId&gt;/&lt;stepId&gt;/</c> and deleted when the step succeeds.
/// Activities use it through <see cref="StepCheckpoints"/>.
/// </summary>
/// <remarks>
/// A save writes a temporary file beside the checkpoint, flushes it to disk and renames it over the old one, so a
/// reader gets the old content or the new, never a torn mix, even with kill -9 mid-write. Temporary names carry a
/// <c>~</c>, which no checkpoint name may hold; one left by a killed process goes when the step's checkpoints are deleted.
/// </remarks>
public sealed class CheckpointStore(string dataDirectory)
{
    private const int MaxNameLength = 200;

    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-[]");

    private readonly string _dataDirectory = Path.GetFullPath(dataDirectory);

    // Runs this process made a checkpoint folder for: a run created and executed only here has a folder only if listed.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _foldersMade = new(StringComparer.Ordinal);

    /// <summary>The checkpoints of one step, as an activity receives them.</summary>
    public StepCheckpoints ForStep(string runId, string stepId) => new(this, runId, stepId);

    /// <summary>
    /// The step's checkpoint folder, created if needed, for large files an activity manages itself. Named checkpoints
    /// saved through this store are files in the same folder, so use names that do not clash with your own files.
    /// </summary>
    public string GetDirectory(string runId, string stepId)
    {
        var path = Made(runId, StepPath(runId, stepId));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Saves (or atomically replaces) the checkpoint <paramref name="name"/>.</summary>
    public Task SaveAsync(string runId, string stepId, string name, ReadOnlyMemory<byte> content, CancellationToken ct) =>
        WriteAtomicallyAsync(Made(runId, FilePath(runId, stepId, name)), (output, token) => output.WriteAsync(content, token).AsTask(), ct);

    /// <summary>Saves (or atomically replaces) the checkpoint <paramref name="name"/> with everything <paramref name="content"/> yields.</summary>
    public Task SaveAsync(string runId, string stepId, string name, Stream content, CancellationToken ct) =>
        WriteAtomicallyAsync(Made(runId, FilePath(runId, stepId, name)), content.CopyToAsync, ct);

    /// <summary>The checkpoint's content, or null when none was saved.</summary>
    public async Task<byte[]?> LoadAsync(string runId, string stepId, string name, CancellationToken ct)
    {
        await using var input = OpenRead(runId, stepId, name);
        if (input is null)
            return null;
        var content = new byte[input.Length];
        await input.ReadExactlyAsync(content, ct);
        return content;
    }

    /// <summary>A stream over the checkpoint, or null when none was saved. A later save does not change what it reads.</summary>
    public Stream? OpenRead(string runId, string stepId, string name)
    {
        var path = FilePath(runId, stepId, name);
        try
        {
            // FileShare.Delete lets a save replace the file while it is being read (on Windows; Unix always allows it).
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1 << 16,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Deletes every checkpoint of the step, and its folder: called when the step succeeds.</summary>
    public Task DeleteAsync(string runId, string stepId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Most steps never checkpoint: one stat of the plain path (ids are checked, so it cannot climb out) spares
        // them the symlink-safe resolution, which reads every component of the path.
        if (!Path.Exists(Path.Join(_dataDirectory, "checkpoints", Checked(runId, "run id"), Checked(stepId, "step id"))))
        {
            return Task.CompletedTask;
        }

        DeleteFolder(StepPath(runId, stepId));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether the run has a checkpoint folder: when not, none of its steps has checkpoints. For a run that only this
    /// process ever executed (<paramref name="onlyHere"/>) that is known without touching the disk.
    /// </summary>
    public bool HasRun(string runId, bool onlyHere) =>
        onlyHere ? _foldersMade.ContainsKey(runId) : Path.Exists(Path.Join(_dataDirectory, "checkpoints", Checked(runId, "run id")));

    /// <summary>Deletes the checkpoints of every step of the run: called when the run finishes.</summary>
    public Task DeleteRunAsync(string runId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _foldersMade.TryRemove(runId, out _);
        if (!Path.Exists(Path.Join(_dataDirectory, "checkpoints", Checked(runId, "run id"))))
        {
            return Task.CompletedTask;
        }

        DeleteFolder(ArtifactStore.ResolveInside(_dataDirectory, Path.Join("checkpoints", Checked(runId, "run id"))));
        return Task.CompletedTask;
    }

    internal static void CheckIds(string runId, string stepId)
    {
        Checked(runId, "run id");
        Checked(stepId, "step id");
    }

    internal string StepPath(string runId, string stepId) =>
        ArtifactStore.ResolveInside(_dataDirectory, Path.Join("checkpoints", Checked(runId, "run id"), Checked(stepId, "step id")));

    private string FilePath(string runId, string stepId, string name) =>
        ArtifactStore.ResolveInside(_dataDirectory,
            Path.Join("checkpoints", Checked(runId, "run id"), Checked(stepId, "step id"), Checked(name, "checkpoint name")));

    // Ids and names become path segments, so they are held to a plain alphabet: no separators, no "..", nothing hidden.
    private static string Checked(string value, string what)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxNameLength || value.AsSpan().ContainsAnyExcept(NameCharacters)
            || value == "." || value.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{value}' is not a valid {what}: use 1 to {MaxNameLength} letters, digits, '_', '.', '-', '[' or ']', without '..'.",
                what.Replace(' ', '_'));
        }
        return value;
    }

    /// <summary>Notes that the run gets a checkpoint folder (before it is made, so a crash between leaves no unlisted folder) and passes the path on.</summary>
    private string Made(string runId, string path)
    {
        _foldersMade[runId] = true;
        return path;
    }

    private static async Task WriteAtomicallyAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = $"{path}~{Guid.NewGuid():N}";
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16,
                FileOptions.Asynchronous))
            {
                await write(output, ct);
                // On disk before the rename: a power cut must not leave the new name over missing data.
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            DirectorySync.Flush(folder);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    }
}
