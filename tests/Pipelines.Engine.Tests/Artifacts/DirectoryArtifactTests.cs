using System.Security.Cryptography;
using System.Text;
using Pipelines.Artifacts;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Engine.Tests.Artifacts;

public sealed class DirectoryArtifactTests : IDisposable
{
    private static readonly (string Path, string Content)[] Adapter =
    [
        ("adapter_config.json", """{"r":8,"lora_alpha":16}"""),
        ("adapter_model.safetensors", "weights"),
        ("tokenizer/tokenizer.json", """{"version":"1.0"}"""),
        (".hidden", "dotfiles are content too"),
    ];

    private readonly TemporaryDataDirectory _directory = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _directory.Dispose();

    private string TemporaryRoot => Path.Join(_directory.Path, "artifacts", "tmp");

    private async Task<ArtifactStore> OpenStoreAsync() =>
        new(new SqlArtifactIndex(new SqliteDialect(await SqliteDatabase.OpenAsync(_directory.Path, _ct))), _directory.Path);

    private string WriteFolder(string name, IEnumerable<(string Path, string Content)> files)
    {
        var root = Path.Join(_directory.Path, "sources", name);
        Directory.CreateDirectory(root);
        foreach (var (path, content) in files)
        {
            var full = Path.Join(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        return root;
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task The_digest_is_the_sha256_of_the_documented_manifest()
    {
        var store = await OpenStoreAsync();

        var reference = await store.PutDirectoryAsync(WriteFolder("adapter", Adapter), "adapter", _ct);

        // Ordinal order of the relative paths: '.' < 'a' < 't'.
        var manifest =
            $".hidden\0{Sha256("dotfiles are content too")}\n"
            + $"adapter_config.json\0{Sha256("""{"r":8,"lora_alpha":16}""")}\n"
            + $"adapter_model.safetensors\0{Sha256("weights")}\n"
            + $"tokenizer/tokenizer.json\0{Sha256("""{"version":"1.0"}""")}\n";
        Assert.Equal(Sha256(manifest), reference.Digest);
    }

    [Fact]
    public async Task A_stored_folder_holds_the_same_files_and_records_their_total_size()
    {
        var store = await OpenStoreAsync();

        var reference = await store.PutDirectoryAsync(WriteFolder("adapter", Adapter), "adapter", _ct);

        var path = store.PathOf(reference);
        Assert.True(Directory.Exists(path));
        foreach (var (file, content) in Adapter)
            Assert.Equal(content, await File.ReadAllTextAsync(Path.Join(path, file), _ct));
        Assert.Equal(Adapter.Length, Directory.GetFiles(path, "*", SearchOption.AllDirectories).Length);
        var metadata = await store.Index.GetAsync(reference, _ct);
        Assert.Equal("adapter", metadata?.Kind);
        Assert.True(metadata?.IsDirectory);
        Assert.Equal(Adapter.Sum(file => (long)Encoding.UTF8.GetByteCount(file.Content)), metadata?.Size);
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
    }

    [Fact]
    public async Task The_digest_does_not_depend_on_the_order_files_were_created_in_or_on_empty_folders()
    {
        var store = await OpenStoreAsync();
        var forwards = WriteFolder("forwards", Adapter);
        var backwards = WriteFolder("backwards", Adapter.Reverse());
        Directory.CreateDirectory(Path.Join(backwards, "empty", "nested"));

        var first = await store.PutDirectoryAsync(forwards, "adapter", _ct);
        var second = await store.PutDirectoryAsync(backwards, "adapter", _ct);

        Assert.Equal(first, second);
        Assert.Single(Directory.GetDirectories(Path.Join(_directory.Path, "artifacts", "sha256"), "*", SearchOption.TopDirectoryOnly));
    }

    [Theory]
    [InlineData("one byte of content")]
    [InlineData("a file name")]
    [InlineData("the folder a file is in")]
    [InlineData("a file added")]
    [InlineData("a file removed")]
    public async Task Any_change_to_a_file_or_its_name_changes_the_digest(string change)
    {
        var store = await OpenStoreAsync();
        (string Path, string Content)[] changed = change switch
        {
            "one byte of content" => [.. Adapter[..^1], (".hidden", "dotfiles are content tOo")],
            "a file name" => [.. Adapter[..^1], (".hidden2", "dotfiles are content too")],
            "the folder a file is in" => [.. Adapter[..^1], ("sub/.hidden", "dotfiles are content too")],
            "a file added" => [.. Adapter, ("README.md", "")],
            _ => Adapter[..^1],
        };

        var original = await store.PutDirectoryAsync(WriteFolder("original", Adapter), "adapter", _ct);
        var modified = await store.PutDirectoryAsync(WriteFolder("changed", changed), "adapter", _ct);

        Assert.NotEqual(original, modified);
    }

    [Fact]
    public async Task A_symbolic_link_inside_the_folder_is_refused_and_nothing_is_stored()
    {
        var store = await OpenStoreAsync();
        var source = WriteFolder("linked", Adapter);
        File.CreateSymbolicLink(Path.Join(source, "tokenizer", "vocab.json"), "/etc/passwd");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PutDirectoryAsync(source, "model", _ct));

        Assert.Contains("'tokenizer/vocab.json' is a symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(_directory.Path, "artifacts", "sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(TemporaryRoot));
    }

    [Fact]
    public async Task A_linked_folder_inside_the_source_is_refused()
    {
        var store = await OpenStoreAsync();
        var source = WriteFolder("linked-folder", Adapter);
        Directory.CreateSymbolicLink(Path.Join(source, "outside"), Path.GetTempPath());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PutDirectoryAsync(source, "model", _ct));

        Assert.Contains("'outside' is a symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_with_no_files_is_refused()
    {
        var store = await OpenStoreAsync();
        var source = Path.Join(_directory.Path, "sources", "empty");
        Directory.CreateDirectory(Path.Join(source, "only", "folders"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.PutDirectoryAsync(source, "model", _ct));

        Assert.Contains("holds no files", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_folder_is_reported_by_path()
    {
        var store = await OpenStoreAsync();
        var missing = Path.Join(_directory.Path, "no-such-model");

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => store.PutDirectoryAsync(missing, "model", _ct));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
