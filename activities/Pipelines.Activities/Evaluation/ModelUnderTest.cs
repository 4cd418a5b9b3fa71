using System.Text.Json;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;
using static TorchSharp.torch;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// A model, with a LoRA adapter or not, loaded to be evaluated: it continues many prompts in batches and measures
/// the loss of reference completions. Disposing frees the weights (unless the model was lent with <see cref="Wrap"/>).
/// </summary>
public sealed class ModelUnderTest : IDisposable
{
    private readonly bool _ownsModel;

    private ModelUnderTest(LoadedModel loaded, string name, bool ownsModel)
    {
        Loaded = loaded;
        Name = name;
        _ownsModel = ownsModel;
    }

    public LoadedModel Loaded { get; }

    public CausalLanguageModel Model => Loaded.Model;

    public TextTokenizer Tokenizer => Loaded.Tokenizer;

    /// <summary>How reports name it: the model input as given, and the adapter's when there is one.</summary>
    public string Name { get; }

    /// <summary>
    /// Loads the activity inputs <paramref name="model"/> (a model folder) and <paramref name="adapter"/> (a LoRA
    /// adapter folder), each an artifact reference or a local path, on <paramref name="device"/> (auto, cpu, cuda) in
    /// <paramref name="dtype"/> (float32, bfloat16). <paramref name="input"/> names the model input in error messages.
    /// </summary>
    /// <exception cref="ArgumentException">A path does not exist, or the device or dtype is unknown.</exception>
    /// <exception cref="ModelFormatException">The folder is not a model, or the adapter does not fit it.</exception>
    public static ModelUnderTest Open(string model, string? adapter, string device, string dtype, ActivityContext context, string input = "model")
    {
        TorchNative.EnsureLoaded();
        var modelDirectory = LocalInput.Resolve(model, input, context);
        var adapterDirectory = adapter is null ? null : LocalInput.Resolve(adapter, input == "model" ? "adapter" : input + "_adapter", context);
        var name = adapter is null ? model : $"{model} + {adapter}";
        return Load(modelDirectory, adapterDirectory, TrainingDevice.Resolve(device), TrainingDevice.Dtype(dtype), name);
    }

    /// <summary>Loads the model folder <paramref name="modelDirectory"/> and attaches the adapter in <paramref name="adapterDirectory"/>, if any.</summary>
    public static ModelUnderTest Load(string modelDirectory, string? adapterDirectory, Device? device = null, ScalarType dtype = ScalarType.Float32, string? name = null)
    {
        var loaded = ModelFolder.Load(modelDirectory, device, dtype);
        try
        {
            if (adapterDirectory is not null) PeftAdapter.Load(loaded.Model, adapterDirectory);
            loaded.Model.eval();
            return new ModelUnderTest(loaded, name ?? modelDirectory, ownsModel: true);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Evaluates a model that is already in memory; disposing leaves it to its owner.</summary>
    public static ModelUnderTest Wrap(CausalLanguageModel model, TextTokenizer tokenizer, string name) =>
        new(new LoadedModel(model, tokenizer, ""), name, ownsModel: false);

    /// <summary>
    /// The new text of each prompt (<see cref="TextGenerator.Generate"/>), in batches of <paramref name="batchSize"/>
    /// prompts of similar length; <paramref name="done"/> hears how many prompts are finished after each batch. Greedy
    /// decoding gives each prompt the text it gets alone; sampling depends on the batches, which are fixed by the prompts.
    /// </summary>
    /// <exception cref="PromptTooLongException">A prompt leaves no room in the context window.</exception>
    public IReadOnlyList<string> Generate(IReadOnlyList<string> prompts, GenerationOptions options, int batchSize, Action<int>? done = null,
        CancellationToken ct = default)
    {
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var lengths = prompts.Select(p => TextGenerator.PromptIds(Tokenizer, p).Length).ToArray();
        for (var i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] >= Model.ContextWindow) throw new PromptTooLongException(i, lengths[i], Model.ContextWindow);
        }

        // Similar lengths together waste less on padding; OrderBy is stable, so the batches are fixed by the prompts.
        var order = Enumerable.Range(0, prompts.Count).OrderBy(i => lengths[i]).ToArray();
        var texts = new string[prompts.Count];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = order.Skip(start).Take(batchSize).ToArray();
            var generated = TextGenerator.Generate(Model, Tokenizer, batch.Select(i => prompts[i]).ToList(), options, ct);
            for (var k = 0; k < batch.Length; k++) texts[batch[k]] = generated[k];
            done?.Invoke(start + batch.Length);
        }

        return texts;
    }

    /// <summary>
    /// The loss of each completion after its prompt, tokenized exactly as train.lora reads a {prompt, completion}
    /// record (BOS where the tokenizer wants one, loss on the completion and EOS only, cut at the context window).
    /// </summary>
    public IReadOnlyList<CompletionLoss> CompletionLosses(IReadOnlyList<string> prompts, IReadOnlyList<string> completions, Action<int>? done = null,
        CancellationToken ct = default)
    {
        if (prompts.Count != completions.Count) throw new ArgumentException($"{prompts.Count} prompts but {completions.Count} completions");
        if (prompts.Count == 0) return [];
        var examples = Tokenized(prompts, completions);
        var losses = new CompletionLoss[examples.Count];
        for (var i = 0; i < examples.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var tokens = examples[i].ScoredTokens;
            var mean = tokens == 0 ? 0 : FineTuningLoop.Evaluate(Model, [examples[i]], batchSize: 1, Tokenizer.PadId, Model.Device);
            losses[i] = new CompletionLoss(mean * tokens, tokens);
            done?.Invoke(i + 1);
        }

        return losses;
    }

    /// <summary>The pairs as train.lora's <see cref="TrainingData"/> tokenizes them: one way to turn a record into tokens and labels.</summary>
    private IReadOnlyList<TrainingExample> Tokenized(IReadOnlyList<string> prompts, IReadOnlyList<string> completions)
    {
        var path = Path.Join(Path.GetTempPath(), $"pipelines-eval-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllLines(path, prompts.Select((p, i) => JsonSerializer.Serialize(new Dictionary<string, string> { ["prompt"] = p, ["completion"] = completions[i] })));
            return TrainingData.Load(path, Tokenizer, Model.ContextWindow);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        if (_ownsModel) Loaded.Dispose();
    }
}
