using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Api.Tests;

/// <summary>
/// A version registered without exports (a Hugging Face model folder, as deploy.promote of a merged model leaves it) is
/// exported to ONNX once when served, answers as the TorchSharp model it came from, and a second start reuses the export.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class UnexportedModelTests : IAsyncLifetime
{
    private const string Prompt = "Subject: lunch on Friday\n\nShall we meet at noon?";
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-unexported-test-").FullName;
    private string _folder = "";

    public async Task InitializeAsync()
    {
        _folder = Path.Combine(_data, "models", "merged");
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny", seed: 11);
        using (model) ModelFolder.Save(model, tokenizer, _folder);
        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(_data, CancellationToken.None)));
        await registry.RegisterAsync("m", new ModelVersionDraft { Source = _folder }, CancellationToken.None);
        await registry.MoveAliasAsync("m", "production", 1, "ann", null, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<(string Text, DateTime Written)> AskAsync()
    {
        var (server, client) = await OpenAiTestHost.StartAsync(_data, ["m@production"], new Dictionary<string, string?>(), null);
        await using (server)
        using (client)
        {
            var body = new JsonObject { ["model"] = "m@production", ["prompt"] = Prompt, ["max_tokens"] = 12, ["temperature"] = 0 };
            using var response = await client.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            var models = JsonNode.Parse(await client.GetStringAsync("/v1/models"))!;
            Assert.Equal("fp32", (string?)models["data"]![0]!["variant"]);
            await server.StopAsync();
            var export = Assert.Single(Directory.GetDirectories(Path.Combine(_data, "cache", "serving-onnx")));
            return ((string)answer["choices"]![0]!["text"]!, File.GetLastWriteTimeUtc(Path.Combine(export, "model.onnx")));
        }
    }

    [Fact]
    public async Task A_variant_exported_before_shared_caches_is_served_from_a_new_fp32_export()
    {
        // Version 2: the same model with an int8 variant whose ONNX export lacks the cache-layout mark, as an earlier release wrote it.
        using (var loaded = ModelFolder.Load(_folder))
        {
            var variant = Path.Combine(_data, "models", "old-int8");
            Pipelines.Activities.Models.Export.Onnx.OnnxExport.Write(loaded.Model, loaded.Tokenizer, null, Path.Combine(variant, "onnx"));
            Pipelines.Activities.Tests.Deploy.OnnxExports.ForgetCacheLayout(Path.Combine(variant, "onnx"));
            var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(_data, CancellationToken.None)));
            await registry.RegisterAsync("m", new ModelVersionDraft { Source = _folder, Variants = new Dictionary<string, string> { ["int8"] = variant } }, CancellationToken.None);
            await registry.MoveAliasAsync("m", "production", 2, "ann", null, CancellationToken.None);
        }

        using var model = ModelFolder.Load(_folder);
        var expected = TextGenerator.Generate(model.Model, model.Tokenizer, [Prompt], new GenerationOptions { MaxNewTokens = 12, Greedy = true })[0];
        Assert.Equal(expected, (await AskAsync()).Text);
    }

    [Fact]
    public async Task It_is_exported_once_and_answers_as_the_model_it_came_from()
    {
        using var loaded = ModelFolder.Load(_folder);
        var expected = TextGenerator.Generate(loaded.Model, loaded.Tokenizer, [Prompt], new GenerationOptions { MaxNewTokens = 12, Greedy = true })[0];

        var first = await AskAsync();
        var second = await AskAsync();

        Assert.Equal(expected, first.Text);
        Assert.Equal(expected, second.Text);
        Assert.Equal(first.Written, second.Written);
    }
}
