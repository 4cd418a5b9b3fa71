using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Serving.OpenAi;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Api.Tests;

/// <summary>
/// What the <c>/v1</c> tests share: tiny models exported to int8 ONNX, a real <c>serve</c> host over them with tokens
/// and <c>Serving</c> settings, and the text ONNX Runtime generates alone (what a served greedy request must equal).
/// </summary>
internal static class OpenAiTestHost
{
    /// <summary>
    /// The test classes whose hosts serve models, run one at a time: the serving metrics and the monitors' gauges of
    /// <c>/metrics</c> are the process's (one <c>serve</c> per process), so two such hosts at once in this test process
    /// would each report the other's models too (a window of another host's <c>m@production</c> read as this one's).
    /// </summary>
    public const string Collection = "hosts serving models";

    /// <summary>
    /// A tiny Llama (its weights drawn from <paramref name="seed"/>) exported to int8 ONNX in <paramref name="folder"/>;
    /// with <paramref name="tokenizerConfig"/>, its tokenizer is first saved with those fields set in
    /// tokenizer_config.json (a <c>chat_template</c>, <c>add_bos_token</c>) and read back, as a fine-tuned model's would be.
    /// </summary>
    public static string Export(string folder, int seed, JsonObject? tokenizerConfig = null)
    {
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny", seed: seed);
        if (tokenizerConfig is not null)
        {
            var source = folder + "-tokenizer";
            tokenizer.Save(source);
            var path = Path.Combine(source, "tokenizer_config.json");
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            foreach (var (key, value) in tokenizerConfig) config[key] = value?.DeepClone();
            File.WriteAllText(path, config.ToJsonString());
            tokenizer = TextTokenizer.Load(source);
        }

        using (model) OnnxExport.Write(model, tokenizer, QuantizationVariants.RoundToNearest(model, QuantizationVariants.Int8), folder);
        return folder;
    }

    /// <summary>Registers each export in <paramref name="variants"/> as the int8 variant of a new version of model <c>m</c>, in order, and points <c>m@production</c> at version 1.</summary>
    public static async Task RegisterAsync(string data, params string[] variants)
    {
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(data, CancellationToken.None)));
        foreach (var folder in variants)
            await registry.RegisterAsync("m", new ModelVersionDraft { Source = data, Variants = new Dictionary<string, string> { ["int8"] = folder } }, CancellationToken.None);
        await registry.MoveAliasAsync("m", "production", 1, "ann", null, CancellationToken.None);
    }

    /// <summary>
    /// Registers an int8 export of a tiny model (weights from <paramref name="seed"/>) as version 1 of model <c>m</c>
    /// whose lineage names a training dataset of <paramref name="prompts"/> (what drift is measured against), and points
    /// <c>m@production</c> at it.
    /// </summary>
    public static async Task RegisterTrainedAsync(string data, int seed, IEnumerable<string> prompts)
    {
        var export = Export(Path.Combine(data, "exports", "int8"), seed);
        var train = Path.Combine(data, "train.jsonl");
        File.WriteAllLines(train, prompts.Select(p => new System.Text.Json.Nodes.JsonObject { ["prompt"] = p, ["completion"] = "Thursday" }.ToJsonString()));
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(data, CancellationToken.None)));
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = data, Dataset = train, Variants = new Dictionary<string, string> { ["int8"] = export } }, CancellationToken.None);
        await registry.MoveAliasAsync("m", "production", 1, "ann", null, CancellationToken.None);
    }

    public static async Task<(ApiServer, HttpClient)> StartAsync(string data, string[] models, IReadOnlyDictionary<string, string?> serving,
        TimeProvider? time, params (string Name, string Secret, string[] Roles)[] tokens)
    {
        var settings = serving.ToDictionary(s => $"Serving:{s.Key}", s => s.Value);
        TestServer.AddTokens(settings, tokens);

        var url = $"http://127.0.0.1:{TestServer.FreePort()}";
        var server = await ApiHost.BuildAsync(new ApiHostOptions
        {
            DataDirectory = data,
            Urls = [url],
            Settings = settings,
            ConsoleLogging = false,
            Modules = [new OpenAiModule(models, time)],
        }, BuiltInActivities.CreateCatalog());
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return (server, new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Stops the hosts a test started, then deletes its data folder.</summary>
    public static async Task StopAsync(IEnumerable<(ApiServer Server, HttpClient Client)> hosts, string data)
    {
        foreach (var (server, client) in hosts)
        {
            client.Dispose();
            await server.StopAsync();
            await server.DisposeAsync();
        }

        Directory.Delete(data, recursive: true);
    }

    /// <summary>What ONNX Runtime generates alone, greedily, for <paramref name="prompt"/>: the text a served request must equal.</summary>
    public static (string Text, int PromptTokens, int CompletionTokens) Expected(string export, string prompt, int maxTokens)
    {
        var tokenizer = TextTokenizer.Load(export);
        using var decoder = OnnxDecoder.Open(export);
        var ids = TextGenerator.PromptIds(tokenizer, prompt);
        var generated = decoder.Generate(ids, maxTokens, new HashSet<int> { tokenizer.EosId });
        var kept = generated.TakeWhile(t => t != tokenizer.EosId).ToArray();
        return (tokenizer.Decode(kept), ids.Length, generated.Length);
    }
}
