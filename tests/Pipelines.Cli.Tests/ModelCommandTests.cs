using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

/// <summary><c>pipelines model init|generate</c>: make a tiny model folder, then continue prompts with it.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Folder(string name) => Path.Combine(_workspace.Root, name);

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public async Task Init_writes_a_hugging_face_folder_and_generate_continues_prompts_with_it(string arch)
    {
        var folder = Folder(arch);

        var init = await _workspace.RunAsync("model", "init", "--arch", arch, "--preset", "tiny", "--seed", "4", "--out", folder);

        Assert.Equal(0, init.ExitCode);
        Assert.Equal(folder, init.OutLines[^1]);
        Assert.Contains($"{arch} tiny:", init.OutLines[0]);
        Assert.All(new[] { "config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json" },
            f => Assert.True(File.Exists(Path.Combine(folder, f)), f));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal(arch, config["model_type"]!.GetValue<string>());
        Assert.Equal(512, config["vocab_size"]!.GetValue<int>());

        var greedy = await _workspace.RunAsync("model", "generate", "--model", folder, "--prompt", "Dear friend,", "--prompt", "Hi", "--greedy", "--max-new-tokens", "8");
        var again = await _workspace.RunAsync("model", "generate", "--model", folder, "--prompt", "Dear friend,", "--prompt", "Hi", "--greedy", "--max-new-tokens", "8");
        var sampled = await _workspace.RunAsync("model", "generate", "-m", folder, "-p", "Hi", "--temperature", "0.8", "--top-k", "40", "--top-p", "0.9", "--seed", "1", "--json");

        Assert.Equal(0, greedy.ExitCode);
        Assert.Equal(2, greedy.OutLines.Length);
        Assert.Empty(greedy.Error);
        Assert.Equal(greedy.Out, again.Out);
        Assert.Equal(0, sampled.ExitCode);
        Assert.Single(JsonNode.Parse(sampled.Out)!.AsArray());
    }

    [Fact]
    public async Task Init_with_the_same_seed_writes_the_same_weights()
    {
        await _workspace.RunAsync("model", "init", "--arch", "gpt2", "--seed", "9", "--out", Folder("a"));
        await _workspace.RunAsync("model", "init", "--arch", "gpt2", "--seed", "9", "--out", Folder("b"));

        Assert.Equal(File.ReadAllBytes(Path.Combine(Folder("a"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Folder("b"), "model.safetensors")));
    }

    [Fact]
    public async Task Init_refuses_a_folder_that_holds_files_unless_forced()
    {
        Directory.CreateDirectory(Folder("used"));
        File.WriteAllText(Path.Combine(Folder("used"), "notes.txt"), "keep me");

        var refused = await _workspace.RunAsync("model", "init", "--arch", "llama", "--out", Folder("used"));
        var forced = await _workspace.RunAsync("model", "init", "--arch", "llama", "--out", Folder("used"), "--force");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("already holds files", Assert.Single(refused.ErrorLines));
        Assert.Equal(0, forced.ExitCode);
        Assert.True(File.Exists(Path.Combine(Folder("used"), "notes.txt")));
    }

    [Fact]
    public async Task Init_learns_the_tokenizer_from_a_corpus_file()
    {
        var corpus = _workspace.Write("corpus.txt", string.Concat(Enumerable.Repeat("pipelines train models; models serve answers. ", 50)));

        var result = await _workspace.RunAsync("model", "init", "--arch", "gpt2", "--vocab", "300", "--corpus", corpus, "--out", Folder("c"));

        Assert.Equal(0, result.ExitCode);
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder("c"), "vocab.json")))!.AsObject();
        Assert.Contains("Ġmodels", vocab.Select(p => p.Key));
        Assert.True(vocab.Count <= 300);
    }

    [Fact]
    public async Task Init_makes_the_mini_preset_from_a_jsonl_dataset_as_model_init_does()
    {
        var corpus = _workspace.Write("train.jsonl", string.Concat(Enumerable.Repeat("{\"text\": \"Subject: pipelines\\n\\nThe pipelines team meets on Thursday.\"}\n", 40)));

        var result = await _workspace.RunAsync("model", "init", "--arch", "llama", "--preset", "mini", "--corpus", corpus, "--out", Folder("mini"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("llama mini: ", result.OutLines[0], StringComparison.Ordinal);
        Assert.Contains("(the text ran out of merges before 2048)", result.OutLines[0], StringComparison.Ordinal);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder("mini"), "config.json")))!;
        Assert.Equal(256, (int)config["hidden_size"]!);
        Assert.Equal(4, (int)config["num_hidden_layers"]!);
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder("mini"), "vocab.json")))!.AsObject();
        Assert.Contains("Ġpipelines", vocab.Select(p => p.Key));
        Assert.DoesNotContain(vocab, p => p.Key.Length > 1 && p.Key.Contains('"', StringComparison.Ordinal)); // the records' text, not their JSON
    }

    [Fact]
    public async Task Init_with_a_corpus_that_is_not_a_dataset_names_the_line()
    {
        var corpus = _workspace.Write("bad.jsonl", "{\"text\": \"fine\"}\n[1, 2]\n");

        var result = await _workspace.RunAsync("model", "init", "--arch", "llama", "--corpus", corpus, "--out", Folder("bad"));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: --corpus: {corpus}:2: expected a JSON object", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_without_a_model_folder_is_a_one_line_error()
    {
        var missing = Folder("missing");

        var result = await _workspace.RunAsync("model", "generate", "--model", missing, "-p", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: the model folder {missing} does not exist; pass a folder made by `pipelines model init` or saved by Hugging Face save_pretrained", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("{\"model_type\": \"phi3\"}", "config.json: model_type 'phi3' is not supported; supported model types are llama, mistral, qwen2, gpt2")]
    [InlineData("{\"model_type\": \"llama\", \"hidden_size\": \"wide\"}", "config.json: hidden_size has a value of the wrong type")]
    [InlineData("not json", "config.json is not valid JSON")]
    public async Task A_bad_config_json_is_a_one_line_error_naming_the_file(string config, string expected)
    {
        Directory.CreateDirectory(Folder("bad"));
        File.WriteAllText(Path.Combine(Folder("bad"), "config.json"), config);

        var result = await _workspace.RunAsync("model", "generate", "--model", Folder("bad"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Weights_of_another_shape_are_a_one_line_error_naming_the_key()
    {
        var folder = Folder("m");
        await _workspace.RunAsync("model", "init", "--arch", "llama", "--out", folder);
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["intermediate_size"] = 100;
        File.WriteAllText(configPath, config.ToJsonString());

        var result = await _workspace.RunAsync("model", "generate", "--model", folder);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'model.layers.0.mlp.gate_proj.weight' has shape [176, 64] but config.json implies [100, 64]", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("--top-p", "1.5", "top-p must be in (0, 1]")]
    [InlineData("--temperature", "-1", "temperature must be 0 or more")]
    [InlineData("--max-new-tokens", "-3", "max new tokens must be 0 or more")]
    public async Task Bad_sampling_options_are_refused_before_loading(string option, string value, string expected)
    {
        var result = await _workspace.RunAsync("model", "generate", "--model", Folder("never-read"), option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {expected}", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void Generated_text_prints_on_one_line()
    {
        Assert.Equal("a\\nb\\\\c\\r", Commands.ModelCommand.OneLine("a\nb\\c\r"));
    }
}
