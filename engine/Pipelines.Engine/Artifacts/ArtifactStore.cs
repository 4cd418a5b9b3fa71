using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Pipelines.Runtime.Stores;

namespace Pipelines.Artifacts;

/// <summary>
/// Content-addressed storage for what steps produce (datasets, adapters, models, reports): each artifact is a file or
/// a folder at <c>&lt;dataDirectory&gt;/artifacts/sha256/&lt;first two hex&gt;/&lt;digest&gt;</c>, with a record in the
/// <see cref="Index"/> for its kind, size and lineage. Hosts sharing one index must share the data directory's
/// <c>artifacts</c> folder too.
/// </summary>
/// <remarks>
/// Content is copied into <c>artifacts/tmp</c>, flushed to disk, and only then renamed into place, so the final path
/// holds the whole artifact or nothing, even when the process is killed mid-copy. Artifacts are immutable: whoever
/// reads <see cref="PathOf"/> must not write there.
/// </remarks>
public sealed partial class ArtifactStore
{
    // Temporary copies that a killed process left behind are removed when a store opens, but only once nothing has
    // written to them for this long rather than all of them: serve and worker processes share one data directory, and
    // a copy that another process is still writing is touched continuously.
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    private const int CopyBufferSize = 1 << 20;

    private readonly string _artifactsRoot;
    private readonly string _contentRoot;
    private readonly string _temporaryRoot;

    public ArtifactStore(IArtifactIndex index, string dataDirectory, TimeProvider? time = null)
    {
        Index = index;
        _artifactsRoot = Path.GetFullPath(Path.Join(dataDirectory, "artifacts"));
        _contentRoot = Path.Join(_artifactsRoot, "sha256");
        _temporaryRoot = Path.Join(_artifactsRoot, "tmp");
        Directory.CreateDirectory(_contentRoot);
        Directory.CreateDirectory(_temporaryRoot);
        TemporaryLeftovers.DeleteUntouchedSince(_temporaryRoot, (time ?? TimeProvider.System).GetUtcNow() - AbandonedAfter);
    }

    /// <summary>The records of the stored artifacts: kind, size, and which steps produced and consumed each.</summary>
    public IArtifactIndex Index { get; }

    /// <summary>Stores a copy of the file at <paramref name="sourcePath"/>.</summary>
    public async Task<ArtifactReference> PutFileAsync(string sourcePath, string kind, CancellationToken ct)
    {
        if (Directory.Exists(sourcePath))
            throw new ArgumentException($"{sourcePath} is a folder; store folders with {nameof(PutDirectoryAsync)}.", nameof(sourcePath));
        await using var source = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await PutStreamAsync(source, kind, ct);
    }

    public Task<ArtifactReference> PutBytesAsync(ReadOnlyMemory<byte> content, string kind, CancellationToken ct)
    {
        var stream = MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return PutStreamAsync(stream, kind, ct);
    }

    /// <summary>Stores <paramref name="content"/> as UTF-8 without a byte order mark.</summary>
    public Task<ArtifactReference> PutTextAsync(string content, string kind, CancellationToken ct) =>
        PutBytesAsync(Encoding.UTF8.GetBytes(content), kind, ct);

    /// <summary>
    /// Stores everything <paramref name="content"/> yields until its end. If reading fails part way, nothing is
    /// stored: no file at the final path and no row.
    /// </summary>
    public async Task<ArtifactReference> PutStreamAsync(Stream content, string kind, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var temporary = NewTemporaryPath();
        try
        {
            var (digest, size) = await CopyAndHashAsync(content, temporary, ct);
            var reference = new ArtifactReference(digest);
            MoveIntoPlace(temporary, reference, isDirectory: false);
            await Index.AddAsync(reference, kind, size, isDirectory: false, ct);
            return reference;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Stores a copy of a folder (a model, an adapter) as one artifact whose digest is that of its manifest:
    /// see <see cref="DirectoryManifest"/>. Symbolic links inside the folder are refused, and so is a folder with no files.
    /// </summary>
    public async Task<ArtifactReference> PutDirectoryAsync(string sourceDirectory, string kind, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var source = Path.GetFullPath(sourceDirectory);
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"Cannot store the folder {source}: it does not exist.");
        var files = DirectoryManifest.ListFiles(source);

        var temporary = NewTemporaryPath();
        try
        {
            Directory.CreateDirectory(temporary);
            var hashes = new List<(string RelativePath, string Sha256)>(files.Count);
            long size = 0;
            foreach (var relative in files)
            {
                var target = Path.Join(temporary, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await using var input = new FileStream(Path.Join(source, relative), FileMode.Open, FileAccess.Read, FileShare.Read,
                    bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var (sha256, length) = await CopyAndHashAsync(input, target, ct);
                hashes.Add((relative, sha256));
                size += length;
            }
            foreach (var folder in Directory.EnumerateDirectories(temporary, "*", SearchOption.AllDirectories).Append(temporary))
                DirectorySync.Flush(folder);

            var reference = new ArtifactReference(DirectoryManifest.Digest(hashes));
            MoveIntoPlace(temporary, reference, isDirectory: true);
            await Index.AddAsync(reference, kind, size, isDirectory: true, ct);
            return reference;
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>Whether the artifact's content is in this store.</summary>
    public bool Exists(ArtifactReference reference)
    {
        var path = ContentPath(reference);
        return File.Exists(path) || Directory.Exists(path);
    }

    /// <summary>The local file or folder holding the artifact. Read it; never write to it.</summary>
    /// <exception cref="ArtifactNotFoundException">The content is not in this store.</exception>
    public string PathOf(ArtifactReference reference)
    {
        var path = ContentPath(reference);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new ArtifactNotFoundException(reference,
                $"Artifact {reference} is not in the store (no {path}). It was never stored in this data directory, or the "
                + "directory was cleaned or moved; run the step that produces it again.");
        }
        return path;
    }

    /// <summary>
    /// Where <paramref name="value"/> is on this machine: the stored content of an artifact reference (null when it is
    /// not in this store), or the value itself as a local path.
    /// </summary>
    public string? LocalPathOf(string value) =>
        ArtifactReference.TryParse(value, out var reference) ? (Exists(reference) ? ContentPath(reference) : null) : value;

    /// <summary>
    /// The full path of <paramref name="relative"/> inside <paramref name="dataDirectory"/>, for activities that write
    /// there. Refuses absolute paths, <c>..</c>, and paths that leave the directory through a symbolic link.
    /// </summary>
    /// <exception cref="ArgumentException">The path would land outside the data directory.</exception>
    public static string ResolveInside(string dataDirectory, string relative) => ContainedPath.Resolve(dataDirectory, relative);

    private string ContentPath(ArtifactReference reference)
    {
        var path = Path.Join(_contentRoot, reference.Digest[..2], reference.Digest);
        // The digest is validated hex, so this cannot fail; the check keeps it that way if the layout ever changes.
        if (!ContainedPath.IsStrictlyInside(path, _artifactsRoot))
            throw new InvalidOperationException($"The path {path} for {reference} is outside the artifact store {_artifactsRoot}.");
        return path;
    }

    private string NewTemporaryPath() => Path.Join(_temporaryRoot, Guid.NewGuid().ToString("N"));

    private static async Task<(string Sha256, long Size)> CopyAndHashAsync(Stream source, string target, CancellationToken ct)
    {
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long size = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
                size += read;
            }
            // On disk before the rename makes it visible: otherwise a power cut could leave a complete name over missing data.
            output.Flush(flushToDisk: true);
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void MoveIntoPlace(string temporary, ArtifactReference reference, bool isDirectory)
    {
        var final = ContentPath(reference);
        var shard = Path.GetDirectoryName(final)!;
        if (!Directory.Exists(shard))
        {
            Directory.CreateDirectory(shard);
            DirectorySync.Flush(_contentRoot);
        }
        if (isDirectory ? File.Exists(final) : Directory.Exists(final))
        {
            throw new IOException(
                $"Cannot store {reference} as a {(isDirectory ? "folder" : "file")}: the store already holds a "
                + $"{(isDirectory ? "file" : "folder")} with that digest (a file whose bytes are exactly a folder's manifest).");
        }

        try
        {
            if (isDirectory)
                Directory.Move(temporary, final);
            else
                File.Move(temporary, final, overwrite: false);
        }
        catch (IOException) when (isDirectory ? Directory.Exists(final) : File.Exists(final))
        {
            // Same digest, same content: someone (maybe another process) stored it first. The caller drops our copy.
            return;
        }
        DirectorySync.Flush(shard);
    }
}
