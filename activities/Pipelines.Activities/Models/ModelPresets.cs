using Pipelines.Activities.Models.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// The models <c>pipelines model init</c> makes: a byte-level BPE tokenizer learned from text, and a randomly
/// initialised Llama or GPT-2 of a preset size, as Hugging Face would initialise it.
/// <list type="bullet">
/// <item><c>tiny</c>: width 64, 2 layers, 4 heads (Llama: 2 key/value heads), 512 positions, vocabulary 512: a
/// training step of 4 × 64 tokens takes milliseconds; for tests.</item>
/// <item><c>mini</c>: width 256, 4 layers, 8 heads (Llama: 4 key/value heads), 512 positions, vocabulary 2048:
/// about 3.4 M parameters, which two CPU cores pretrain on a mail corpus in minutes (the lifecycle's base model).</item>
/// <item><c>small</c>: width 512, 8 layers, 8 heads (Llama: 4 key/value heads), 1024 positions, vocabulary 1536:
/// about 24 M (Llama) / 27 M (GPT-2) parameters; for benchmarks.</item>
/// </list>
/// Both tie the output layer to the token embedding, use no dropout, and draw weights with
/// <c>initializer_range = 1/√width</c> (see <see cref="Config"/>).
/// </summary>
public static class ModelPresets
{
    public static IReadOnlyList<string> Architectures { get; } = ["llama", "gpt2"];

    /// <summary>The sizes of a preset: width, MLP width (Llama), layers, heads, key/value heads (Llama), positions, default vocabulary.</summary>
    private sealed record Size(int Width, int Intermediate, int Layers, int Heads, int KeyValueHeads, int Context, int Vocabulary);

    private static readonly Dictionary<string, Size> Presets = new(StringComparer.Ordinal)
    {
        ["tiny"] = new(64, 176, 2, 4, 2, 512, 512),
        // Between tiny and small, for pretraining here: two CPU cores train it on about 4,000 tokens a second
        // (3.4 M parameters, a sixth of them the tied embedding of a 2,048-token vocabulary).
        ["mini"] = new(256, 688, 4, 8, 4, 512, 2048),
        ["small"] = new(512, 1376, 8, 8, 4, 1024, 1536),
    };

    public static IReadOnlyList<string> Sizes { get; } = ["tiny", "mini", "small"];

    /// <summary>The one special token: it ends (and, for Llama, starts) every text and pads batches.</summary>
    public const string SpecialToken = "<|endoftext|>";

    public static int DefaultVocabSize(string size) => Of(size).Vocabulary;

    /// <summary>
    /// A tokenizer learned from <paramref name="corpus"/> (the built-in sample when null) and a model of
    /// <paramref name="architecture"/> and <paramref name="size"/> whose vocabulary is the tokenizer's, with weights drawn
    /// from <paramref name="seed"/>. The vocabulary is smaller than <paramref name="vocabSize"/> when the text runs out of merges.
    /// </summary>
    public static (CausalLanguageModel Model, TextTokenizer Tokenizer) Create(string architecture, string size, int? vocabSize = null, long seed = 0, string? corpus = null)
    {
        if (!Architectures.Contains(architecture)) throw new ArgumentException($"unknown architecture '{architecture}' (known: {string.Join(", ", Architectures)})", nameof(architecture));
        var tokenizer = LearnTokenizer(corpus ?? BuiltInCorpus.Text, vocabSize ?? DefaultVocabSize(size), addBos: architecture == "llama", Of(size).Context);
        var model = CausalLanguageModel.Create(Config(architecture, size, tokenizer.VocabSize, tokenizer.EosId));
        using var generator = new Generator((ulong)seed, CPU);
        model.InitializeWeights(generator);
        return (model, tokenizer);
    }

    /// <summary>One line about a model <see cref="Create"/> made: sizes, and when the text ran out of merges before <paramref name="askedVocabSize"/>, that.</summary>
    public static string Describe(string architecture, string size, CausalLanguageModel model, TextTokenizer tokenizer, int? askedVocabSize)
    {
        var asked = askedVocabSize ?? DefaultVocabSize(size);
        var note = tokenizer.VocabSize < asked ? $" (the text ran out of merges before {asked})" : "";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{architecture} {size}: {Parameters(model):N0} parameters, vocabulary {tokenizer.VocabSize}{note}, context {model.ContextWindow}");
    }

    /// <summary>The weights a checkpoint of <paramref name="model"/> holds (a tied output layer counted once).</summary>
    public static long Parameters(CausalLanguageModel model) => model.CheckpointTensors().Sum(t => t.Value.numel());

    /// <summary>Byte-level BPE with <see cref="SpecialToken"/> as the last id, learned from <paramref name="text"/>.</summary>
    public static TextTokenizer LearnTokenizer(string text, int vocabSize, bool addBos, int modelMaxLength)
    {
        var (vocabulary, merges) = ByteLevelBpeTrainer.Train(text, vocabSize, [SpecialToken]);
        return TextTokenizer.FromByteLevelBpe(vocabulary, merges, SpecialToken, addBos, modelMaxLength);
    }

    /// <summary>The config.json of a preset with <paramref name="vocabSize"/> tokens and <paramref name="specialId"/> as BOS/EOS.</summary>
    public static ModelConfig Config(string architecture, string size, int vocabSize, int specialId)
    {
        var preset = Of(size);
        // HF's usual 0.02 is tuned for wide models. With tied embeddings, a random model's logits are bounded by
        // |embedding row| · |normed hidden| ≈ 0.02·d: ±1.3 at width 64, so the output distribution stays nearly flat and
        // an adapter on the linear layers alone cannot sharpen it. 1/√d keeps activations at unit scale and lets a LoRA
        // adapter on a freshly initialised model learn.
        var initializerRange = 1 / Math.Sqrt(preset.Width);
        return architecture switch
        {
            "llama" => new LlamaConfig
            {
                ModelType = "llama",
                Architectures = ["LlamaForCausalLM"],
                VocabSize = vocabSize,
                HiddenSize = preset.Width,
                IntermediateSize = preset.Intermediate,
                NumHiddenLayers = preset.Layers,
                NumAttentionHeads = preset.Heads,
                NumKeyValueHeads = preset.KeyValueHeads,
                MaxPositionEmbeddings = preset.Context,
                RmsNormEps = 1e-6,
                RopeTheta = 10000,
                TieWordEmbeddings = true,
                InitializerRange = initializerRange,
                BosTokenId = specialId,
                EosTokenId = [specialId],
                TorchDtype = "float32",
            },
            "gpt2" => new Gpt2Config
            {
                ModelType = "gpt2",
                Architectures = ["GPT2LMHeadModel"],
                VocabSize = vocabSize,
                NEmbd = preset.Width,
                NLayer = preset.Layers,
                NHead = preset.Heads,
                NPositions = preset.Context,
                ResidPdrop = 0,
                EmbdPdrop = 0,
                AttnPdrop = 0,
                InitializerRange = initializerRange,
                BosTokenId = specialId,
                EosTokenId = [specialId],
                TorchDtype = "float32",
            },
            _ => throw new ArgumentException($"unknown architecture '{architecture}'", nameof(architecture)),
        };
    }

    private static Size Of(string size) =>
        Presets.GetValueOrDefault(size) ?? throw new ArgumentException($"unknown preset '{size}' (known: {string.Join(", ", Sizes)})", nameof(size));
}
