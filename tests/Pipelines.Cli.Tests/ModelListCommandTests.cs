using System.Text.Json.Nodes;
using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Cli.Tests;

/// <summary>
/// <c>pipelines models list</c> on a registry whose versions have variants stored as artifacts, as local folders and
/// missing, with and without an ONNX export (a folder is one when it holds <c>model.onnx</c>, as <c>serve</c> requires).
/// </summary>
public sealed class ModelListCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    /// <summary>A folder of files of the given sizes.</summary>
    private string Folder(string name, params (string File, int Bytes)[] files)
    {
        var folder = Path.Combine(_workspace.Root, name);
        foreach (var (file, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
            File.WriteAllBytes(Path.Combine(folder, file), new byte[bytes]);
        }

        return folder;
    }

    private async Task RegisterAsync()
    {
        var database = await SqliteDatabase.OpenAsync(_workspace.DataDirectory, CancellationToken.None);
        var registry = new SqlModelRegistry(new SqliteDialect(database));
        var trained = Folder("trained", ("model.safetensors", 4096), ("config.json", 100));
        // model.quantize's layout: the export under onnx/, stored as an artifact.
        var gptq = await new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(database)), _workspace.DataDirectory)
            .PutDirectoryAsync(Folder("gptq", ("onnx/model.onnx", 1000), ("onnx/model.onnx.data", 1048)), "model", CancellationToken.None);
        var int8 = Folder("int8", ("model.onnx", 1024), ("tokenizer.json", 512));

        await registry.RegisterAsync("email-subjects", new ModelVersionDraft { Source = trained, Variants = new Dictionary<string, string> { ["int4-gptq"] = gptq.Uri } }, CancellationToken.None);
        await registry.RegisterAsync("email-subjects", new ModelVersionDraft
        {
            Source = trained,
            Variants = new Dictionary<string, string> { ["int8"] = int8, ["int4"] = ArtifactReference.Prefix + new string('a', 64) },
        }, CancellationToken.None);
        await registry.RegisterAsync("email-subjects", new ModelVersionDraft { Source = trained, Variant = "fp32" }, CancellationToken.None);
        await registry.RegisterAsync("email-subjects", new ModelVersionDraft { Source = Folder("weights", ("weights.bin", 64)) }, CancellationToken.None);
        await registry.MoveAliasAsync("email-subjects", "production", 2, "ann", null, CancellationToken.None);
        await registry.MoveAliasAsync("email-subjects", "staging", 2, "ann", null, CancellationToken.None);
    }

    [Fact]
    public async Task List_shows_each_version_with_its_variants_sizes_and_the_reference_to_serve()
    {
        await RegisterAsync();

        var table = await _workspace.RunAsync("models", "list");
        var json = await _workspace.RunAsync("model", "list", "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        string Row(int version) => Assert.Single(table.OutLines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["email-subjects", var v, ..] && v == $"{version}");
        Assert.Contains("int4-gptq 2.0 KiB onnx", Row(1), StringComparison.Ordinal);
        Assert.EndsWith("email-subjects/1#int4-gptq", Row(1).TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("production, staging", Row(2), StringComparison.Ordinal);
        Assert.Contains("int4 (not here), int8 1.5 KiB onnx", Row(2), StringComparison.Ordinal);
        Assert.EndsWith("email-subjects@production", Row(2).TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("fp32 4.1 KiB", Row(3), StringComparison.Ordinal);
        Assert.EndsWith("email-subjects/3 (exported when first served)", Row(3).TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith("(no ONNX export)", Row(4).TrimEnd(), StringComparison.Ordinal);

        var model = Assert.Single(JsonNode.Parse(json.Out)!.AsArray())!;
        Assert.Equal(2, (int)model["aliases"]!["production"]!);
        var second = model["versions"]![1]!;
        Assert.Equal(["production", "staging"], second["aliases"]!.AsArray().Select(a => (string)a!));
        Assert.Equal([("int4", -1L, false), ("int8", 1536L, true)],
            second["files"]!.AsArray().Select(f => ((string)f!["variant"]!, (long?)f["bytes"] ?? -1, (bool)f["onnx"]!)));
        Assert.Equal("email-subjects@production", (string?)second["serveAs"]);
        Assert.Equal(("email-subjects/3", true), ((string?)model["versions"]![2]!["serveAs"], (bool)model["versions"]![2]!["exportedWhenServed"]!));
        Assert.Null((string?)model["versions"]![3]!["serveAs"]);
    }

    [Fact]
    public async Task An_empty_registry_says_how_models_get_there()
    {
        var result = await _workspace.RunAsync("models", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.OutLines);
        Assert.Contains("deploy.promote registers them", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
