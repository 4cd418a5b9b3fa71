using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Engine.Tests.Artifacts;

public sealed class ArtifactStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 30, 0, 123, TimeSpan.Zero);

    private readonly TemporaryDataDirectory _directory = new();
    private readonly SteppedTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    private string ContentRoot => Path.Join(_directory.Path, "artifacts", "sha256");

    private string TemporaryRoot => Path.Join(_directory.Path, "artifacts", "tmp");

    private async Task<ArtifactStore> OpenStoreAsync() =>
        new(new SqlArtifactIndex(new SqliteDialect(await SqliteDatabase.OpenAsync(_directory.Path, _ct)), _time), _directory.Path, _time);

    [Fact]
    public async Task Same_content_stored_every_way_gets_one_digest_and_one_file()
    {
        var store = await OpenStoreAsync();
        var source = Path.Join(_directory.Path, "subjects.txt");
        await File.WriteAllTextAsync(source, "Re: quarterly numbers", _ct);

        var fromText = await store.PutTextAsync("Re: quarterly numbers", "dataset", _ct);
        var fromBytes = await store.PutBytesAsync(Encoding.UTF8.GetBytes("Re: quarterly numbers"), "dataset", _ct);
        var fromFile = await store.PutFileAsync(source, "dataset", _ct);
        await using var stream = File.OpenRead(source);
        var fromStream = await store.PutStreamAsync(stream, "dataset", _ct);

        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("Re: quarterly numbers")));
        Assert.All(new[] { fromBytes, fromFile, fromStream }, reference => Assert.Equal(fromText, reference));
        Assert.Equal(expected, fromText.Digest);
        Assert.Equal(Path.Join(ContentRoot, expected[..2], expected), store.PathOf(fromText));
        Assert.Single(Directory.GetFiles(ContentRoot, "*", SearchOption.AllDirectories));
        Assert.Equal("Re: quarterly numbers", await File.ReadAllTextAsync(store.PathOf(fromText), _ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
    }

    [Fact]
    public async Task Each_artifact_records_its_kind_size_and_creation_time()
    {
        var store = await OpenStoreAsync();

        var dataset = await store.PutTextAsync("one,two\n", "dataset", _ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        var report = await store.PutTextAsync("{\"rougeL\":0.31}", "report", _ct);

        Assert.NotEqual(dataset, report);
        Assert.Equal(new ArtifactMetadata(dataset, "dataset", 8, IsDirectory: false, Start, Producer: null), await store.Index.GetAsync(dataset, _ct));
        Assert.Equal(new ArtifactMetadata(report, "report", 15, IsDirectory: false, Start.AddMinutes(1), Producer: null), await store.Index.GetAsync(report, _ct));
        Assert.Equal(2, Directory.GetFiles(ContentRoot, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Storing_the_same_content_under_another_kind_keeps_the_first_record()
    {
        var store = await OpenStoreAsync();
        var first = await store.PutTextAsync("shared", "dataset", _ct);
        _time.Advance(TimeSpan.FromHours(1));

        var second = await store.PutTextAsync("shared", "report", _ct);

        Assert.Equal(first, second);
        var metadata = await store.Index.GetAsync(second, _ct);
        Assert.Equal("dataset", metadata?.Kind);
        Assert.Equal(Start, metadata?.CreatedAt);
    }

    [Fact]
    public async Task The_final_path_does_not_exist_until_the_copy_is_complete()
    {
        var store = await OpenStoreAsync();
        var content = RandomNumberGenerator.GetBytes(256 * 1024);
        var reference = new ArtifactReference(Convert.ToHexStringLower(SHA256.HashData(content)));
        var visibleMidway = true;
        var temporaryFilesMidway = 0;

        var stored = await store.PutStreamAsync(new WatchedSource(content, midway: () =>
        {
            visibleMidway = store.Exists(reference);
            temporaryFilesMidway = Directory.GetFiles(TemporaryRoot).Length;
        }), "model", _ct);

        Assert.False(visibleMidway);
        Assert.Equal(1, temporaryFilesMidway);
        Assert.Equal(reference, stored);
        Assert.Equal(content, await File.ReadAllBytesAsync(store.PathOf(stored), _ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
    }

    [Fact]
    public async Task A_source_that_fails_midway_leaves_no_file_no_row_and_no_temporary_copy()
    {
        var store = await OpenStoreAsync();
        var content = RandomNumberGenerator.GetBytes(256 * 1024);
        var whole = new ArtifactReference(Convert.ToHexStringLower(SHA256.HashData(content)));

        await Assert.ThrowsAsync<IOException>(() =>
            store.PutStreamAsync(new WatchedSource(content, midway: () => { }, failAt: content.Length / 2), "model", _ct));

        Assert.False(store.Exists(whole));
        Assert.Empty(Directory.GetFiles(ContentRoot, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
        Assert.Equal(0L, await CountRowsAsync("artifacts"));
    }

    [Fact]
    public async Task Abandoned_temporary_copies_are_removed_when_a_store_opens_but_fresh_ones_are_kept()
    {
        Directory.CreateDirectory(TemporaryRoot);
        var abandonedFile = Path.Join(TemporaryRoot, "abandoned-file");
        var abandonedFolder = Path.Join(TemporaryRoot, "abandoned-folder");
        var freshFile = Path.Join(TemporaryRoot, "fresh-file");
        var folderStillBeingWritten = Path.Join(TemporaryRoot, "folder-still-being-written");
        await WriteAtAsync(abandonedFile, Start.AddHours(-2));
        await WriteAtAsync(Path.Join(abandonedFolder, "weights.bin"), Start.AddHours(-2));
        Directory.SetLastWriteTimeUtc(abandonedFolder, Start.AddHours(-2).UtcDateTime);
        await WriteAtAsync(freshFile, Start.AddMinutes(-5));
        // Another process is still copying a large file into this folder: the folder is old, the file inside is not.
        await WriteAtAsync(Path.Join(folderStillBeingWritten, "model.safetensors"), Start.AddMinutes(-1));
        Directory.SetLastWriteTimeUtc(folderStillBeingWritten, Start.AddHours(-3).UtcDateTime);

        await OpenStoreAsync();

        Assert.False(File.Exists(abandonedFile));
        Assert.False(Directory.Exists(abandonedFolder));
        Assert.True(File.Exists(freshFile));
        Assert.True(Directory.Exists(folderStillBeingWritten));
    }

    [Fact]
    public async Task Asking_for_content_that_is_not_stored_says_which_artifact_is_missing()
    {
        var store = await OpenStoreAsync();
        var missing = new ArtifactReference(new string('a', 64));

        var error = Assert.Throws<ArtifactNotFoundException>(() => store.PathOf(missing));

        Assert.False(store.Exists(missing));
        Assert.Equal(missing, error.Reference);
        Assert.Contains(missing.Uri, error.Message, StringComparison.Ordinal);
        Assert.Null(await store.Index.GetAsync(missing, _ct));
    }

    [Fact]
    public async Task Storing_a_folder_as_a_file_points_to_PutDirectoryAsync()
    {
        var store = await OpenStoreAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PutFileAsync(_directory.Path, "model", _ct));

        Assert.Contains(nameof(ArtifactStore.PutDirectoryAsync), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_stores_of_the_same_content_from_separate_stores_all_succeed_with_one_file()
    {
        var database = await SqliteDatabase.OpenAsync(_directory.Path, _ct);
        var content = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);

        var references = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(database), _time), _directory.Path, _time).PutBytesAsync(content, "model", _ct))));

        Assert.Single(references.Distinct());
        Assert.Single(Directory.GetFiles(ContentRoot, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
        Assert.Equal(1L, await CountRowsAsync("artifacts"));
    }

    private static async Task WriteAtAsync(string path, DateTimeOffset at)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "partial");
        File.SetLastWriteTimeUtc(path, at.UtcDateTime);
    }

    private async Task<long> CountRowsAsync(string table)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Join(_directory.Path, SqliteDatabase.FileName)}");
        await connection.OpenAsync(_ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await command.ExecuteScalarAsync(_ct))!;
    }
}
