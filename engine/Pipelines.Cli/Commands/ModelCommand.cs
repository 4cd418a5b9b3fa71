using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Tokenization;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;
using Pipelines.Persistence;
using static TorchSharp.torch;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines model init|generate|merge</c>: make a randomly initialised model folder, continue prompts with a model
/// folder (and a LoRA adapter), and fold an adapter into a new model folder. Model folders are Hugging Face's layout (config.json, model.safetensors, tokenizer files); see docs/models.md.
/// <c>model list|serve</c> (also spelled <c>models</c>, as issue 15 writes them) do the same for the registry's
/// models: <see cref="ModelListCommand"/> and <see cref="ServeCommand.ForModels"/>. One noun for both, so neither
/// spelling is a wrong guess.
/// </summary>
public static class ModelCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var command = new Command("model", "Language models: make, run and merge model folders; list the registered models and serve them")
        {
            Init(context),
            Generate(context),
            Merge(context),
            ModelListCommand.Create(context),
            ServeCommand.ForModels(context),
        };
        command.Aliases.Add("models");
        return command;
    }

    private static Command Init(Func<ParseResult, CliContext> context)
    {
        var arch = new Option<string>("--arch") { Description = "The architecture: llama (Llama/Qwen2/Mistral-style) or gpt2", Required = true };
        arch.AcceptOnlyFromAmong([.. ModelPresets.Architectures]);
        var preset = new Option<string>("--preset") { Description = "tiny (for tests: width 64, 2 layers), mini (about 3.4M parameters: pretrains on two CPU cores in minutes) or small (about 25M parameters)", DefaultValueFactory = _ => "tiny" };
        preset.AcceptOnlyFromAmong([.. ModelPresets.Sizes]);
        var vocab = new Option<int?>("--vocab") { Description = "Tokens in the learned byte-level BPE vocabulary (default: 512 tiny, 2048 mini, 1536 small; fewer if the text runs out of merges)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 0 };
        var corpus = new Option<string?>("--corpus") { Description = "A text file, or a JSONL dataset of {text} or {prompt, completion}, to learn the tokenizer from (the first 4M characters; default: a built-in sample of mail-like English)" };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write (must not exist, or be empty)", Required = true };
        var force = new Option<bool>("--force") { Description = "Write into --out even when it already holds files (model files there are replaced)" };
        var command = new Command("init", "Write a randomly initialised model with a freshly learned tokenizer; prints the folder last")
        {
            arch, preset, vocab, seed, corpus, output, force,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            if (result.GetValue(vocab) is < 257) throw new UserError("--vocab must be at least 257 (the 256 bytes and one special token)");
            var directory = OutputFolder(result.GetValue(output)!, result.GetValue(force));
            LoadTorch();

            string? text = null;
            if (result.GetValue(corpus) is { } corpusPath)
            {
                try
                {
                    text = TokenizerCorpus.Read(Path.GetFullPath(corpusPath), "--corpus").Text;
                }
                catch (InvalidDataException e)
                {
                    throw new UserError(e.Message.TrimEnd('.'));
                }
            }

            var (architecture, size) = (result.GetValue(arch)!, result.GetValue(preset)!);
            var (model, tokenizer) = ModelPresets.Create(architecture, size, result.GetValue(vocab), result.GetValue(seed), text);
            using (model)
            {
                ModelFolder.Save(model, tokenizer, directory);
                await cli.Out.WriteLineAsync(ModelPresets.Describe(architecture, size, model, tokenizer, result.GetValue(vocab)));
                await cli.Out.WriteLineAsync(directory);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Generate(Func<ParseResult, CliContext> context)
    {
        var modelDir = new Option<string>("--model", "-m") { Description = "A model folder (config.json, model.safetensors, tokenizer files)", Required = true };
        var prompts = new Option<string[]>("--prompt", "-p") { Description = "A prompt (repeatable: the prompts run as one batch); none: generate from the start token", AllowMultipleArgumentsPerToken = false };
        var maxNew = new Option<int>("--max-new-tokens", "-n") { Description = "The most tokens to add to each prompt", DefaultValueFactory = _ => 64 };
        var greedy = new Option<bool>("--greedy") { Description = "Always take the most likely token (no sampling)" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0: greedy)", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the K most likely tokens (0: all)", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling: among the most likely tokens whose probability reaches P (1: all)", DefaultValueFactory = _ => 1.0 };
        var stops = new Option<string[]>("--stop") { Description = "Stop before this text (repeatable)", AllowMultipleArgumentsPerToken = false };
        var seed = new Option<long?>("--seed") { Description = "Seed for sampling: the same seed gives the same text (default: random)" };
        var device = new Option<string>("--device") { Description = "Where to run: auto (CUDA when available), cpu or cuda", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        var dtype = new Option<string>("--dtype") { Description = "Precision of the weights: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "bfloat16");
        var json = new Option<bool>("--json") { Description = "Print a JSON array of the generated texts instead of one line per prompt" };
        var adapter = new Option<string?>("--adapter", "-a") { Description = "A LoRA adapter to apply: a folder (adapter_config.json, adapter_model.safetensors; train.lora's or PEFT's) or its artifact://sha256/... reference" };
        var command = new Command("generate", "Continue prompts; prints only the new text, one line per prompt (newlines written as \\n)")
        {
            modelDir, adapter, prompts, maxNew, greedy, temperature, topK, topP, stops, seed, device, dtype, json,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var options = new GenerationOptions
            {
                MaxNewTokens = result.GetValue(maxNew),
                Greedy = result.GetValue(greedy),
                Temperature = result.GetValue(temperature),
                TopK = result.GetValue(topK),
                TopP = result.GetValue(topP),
                StopSequences = result.GetValue(stops) ?? [],
                Seed = result.GetValue(seed),
            };
            Guard(options.Validate);
            var texts = result.GetValue(prompts) is { Length: > 0 } given ? given : [""];

            LoadTorch();
            var modelPath = await LocalFolderAsync(cli, result.GetValue(modelDir)!, ct);
            var adapterPath = result.GetValue(adapter) is { } adapterValue ? await LocalFolderAsync(cli, adapterValue, ct) : null;
            using var loaded = Guard(() => ModelFolder.Load(modelPath, TrainingDevice.Resolve(result.GetValue(device)!), TrainingDevice.Dtype(result.GetValue(dtype)!)));
            if (adapterPath is not null) Guard(() => PeftAdapter.Load(loaded.Model, adapterPath));
            var generated = Guard(() => TextGenerator.Generate(loaded.Model, loaded.Tokenizer, texts, options, ct));

            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonOutput.Format(new JsonArray([.. generated.Select(g => (JsonNode)JsonValue.Create(g))])));
            }
            else
            {
                foreach (var text in generated) await cli.Out.WriteLineAsync(OneLine(text));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Merge(Func<ParseResult, CliContext> context)
    {
        var modelDir = new Option<string>("--model", "-m") { Description = "The base model folder the adapter was trained on", Required = true };
        var adapter = new Option<string>("--adapter", "-a") { Description = "The LoRA adapter: a folder (adapter_config.json, adapter_model.safetensors) or its artifact://sha256/... reference", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The folder to write the merged model to (must not exist, or be empty)", Required = true };
        var force = new Option<bool>("--force") { Description = "Write into --out even when it already holds files" };
        var command = new Command("merge", "Fold a LoRA adapter into its base model's weights (W + alpha/r·B·A) and write a plain model folder; prints the folder last")
        {
            modelDir, adapter, output, force,
        };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var directory = OutputFolder(result.GetValue(output)!, result.GetValue(force));
            LoadTorch();
            var modelPath = await LocalFolderAsync(cli, result.GetValue(modelDir)!, ct);
            var adapterPath = await LocalFolderAsync(cli, result.GetValue(adapter)!, ct);
            using var loaded = Guard(() => ModelFolder.Load(modelPath));
            var lora = Guard(() => PeftAdapter.Load(loaded.Model, adapterPath));
            lora.Merge();
            ModelFolder.Save(loaded.Model, loaded.Tokenizer, directory);
            await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"merged a rank-{lora.Settings.Rank} adapter on {lora.Layers.Count} layers into {loaded.Model.Architecture} weights"));
            await cli.Out.WriteLineAsync(directory);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// A folder given as a path, as an artifact of this data directory (train.lora's adapter output), or as a registry
    /// reference (registry://email-subjects@production, registry://email-subjects/2#int8), as steps take them.
    /// </summary>
    private static async Task<string> LocalFolderAsync(CliContext cli, string value, CancellationToken ct)
    {
        if (Registry.RegistryReference.IsReference(value))
        {
            try
            {
                var named = Registry.RegistryReference.Parse(value);
                (var version, value) = await named.ResolveSourceAsync(await cli.RegistryAsync(ct), ct);
                cli.Error.WriteLine($"{named} is version {version.Version} of {version.Model} ({value})");
            }
            catch (Registry.RegistryException e)
            {
                throw new UserError(e.Message, e.Hint);
            }
        }

        if (Artifacts.ArtifactReference.IsMalformed(value)) throw new UserError(Artifacts.ArtifactReference.MalformedMessage(value));
        if (!Artifacts.ArtifactReference.TryParse(value, out var reference)) return value;
        var store = await cli.ArtifactsAsync(ct);
        try
        {
            return store.PathOf(reference);
        }
        catch (Artifacts.ArtifactNotFoundException)
        {
            throw ArtifactsCommand.Missing(cli, reference);
        }
    }

    private static string OutputFolder(string path, bool force)
    {
        var directory = Path.GetFullPath(path);
        if (File.Exists(directory)) throw new UserError($"{directory} is a file", "pass a folder to --out");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any() && !force)
        {
            throw new UserError($"{directory} already holds files", "choose another --out, or pass --force to replace the model files there");
        }

        // Made now, before minutes of work, so a place that cannot hold it is a one-line error rather than a crash at the end.
        if (CreatableFolder.TryCreate(directory) is { } problem) throw new UserError($"cannot write --out {directory}: {problem}", "choose a folder you can write");
        return directory;
    }

    private static void LoadTorch()
    {
        try
        {
            TorchNative.EnsureLoaded();
        }
        catch (InvalidOperationException e)
        {
            throw new UserError(e.Message);
        }
    }

    /// <summary>One generated text as one line: backslash, newline and carriage return escaped as \\, \n and \r.</summary>
    public static string OneLine(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    /// <summary>Model-folder problems and refused options become one-line user errors (exit 2).</summary>
    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ModelFormatException e)
        {
            throw new UserError(e.Message, e.Hint);
        }
        catch (ArgumentException e)
        {
            throw new UserError(e.Message.TrimEnd('.'));
        }
    }

    private static void Guard(Action action) => Guard(() =>
    {
        action();
        return 0;
    });
}
