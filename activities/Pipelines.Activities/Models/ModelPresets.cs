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
/// <item><c>small</c>: width 512, 8 layers, 8 heads (Llama: 4 key/value heads), 1024 positions, vocabulary 1536:
/// about 24 M (Llama) / 27 M (GPT-2) parameters; for benchmarks.</item>
/// </list>
/// Both tie the output layer to the token embedding, use no dropout, and draw weights with
/// <c>initializer_range = 1/√width</c> (see <see cref="Config"/>).
/// </summary>
public static class ModelPresets
{
    public static IReadOnlyList<string> Architectures { get; } = ["llama", "gpt2"];

    public static IReadOnlyList<string> Sizes { get; } = ["tiny", "small"];

    /// <summary>The one special token: it ends (and, for Llama, starts) every text and pads batches.</summary>
    public const string SpecialToken = "<|endoftext|>";

    public static int DefaultVocabSize(string size) => size == "tiny" ? 512 : 1536;

    /// <summary>
    /// A tokenizer learned from <paramref name="corpus"/> (the built-in sample when null) and a model of
    /// <paramref name="architecture"/> and <paramref name="size"/> whose vocabulary is the tokenizer's, with weights drawn
    /// from <paramref name="seed"/>. The vocabulary is smaller than <paramref name="vocabSize"/> when the text runs out of merges.
    /// </summary>
    public static (CausalLanguageModel Model, TextTokenizer Tokenizer) Create(string architecture, string size, int? vocabSize = null, long seed = 0, string? corpus = null)
    {
        if (!Architectures.Contains(architecture)) throw new ArgumentException($"unknown architecture '{architecture}' (known: {string.Join(", ", Architectures)})", nameof(architecture));
        if (!Sizes.Contains(size)) throw new ArgumentException($"unknown preset '{size}' (known: {string.Join(", ", Sizes)})", nameof(size));
        var tokenizer = LearnTokenizer(corpus ?? BuiltInCorpus.Text, vocabSize ?? DefaultVocabSize(size), addBos: architecture == "llama", Context(size));
        var model = CausalLanguageModel.Create(Config(architecture, size, tokenizer.VocabSize, tokenizer.EosId));
        using var generator = new Generator((ulong)seed, CPU);
        model.InitializeWeights(generator);
        return (model, tokenizer);
    }

    /// <summary>Byte-level BPE with <see cref="SpecialToken"/> as the last id, learned from <paramref name="text"/>.</summary>
    public static TextTokenizer LearnTokenizer(string text, int vocabSize, bool addBos, int modelMaxLength)
    {
        var (vocabulary, merges) = ByteLevelBpeTrainer.Train(text, vocabSize, [SpecialToken]);
        return TextTokenizer.FromByteLevelBpe(vocabulary, merges, SpecialToken, addBos, modelMaxLength);
    }

    /// <summary>The config.json of a preset with <paramref name="vocabSize"/> tokens and <paramref name="specialId"/> as BOS/EOS.</summary>
    public static ModelConfig Config(string architecture, string size, int vocabSize, int specialId)
    {
        var tiny = size == "tiny";
        // HF's usual 0.02 is tuned for wide models. With tied embeddings, a random model's logits are bounded by
        // |embedding row| · |normed hidden| ≈ 0.02·d: ±1.3 at width 64, so the output distribution stays nearly flat and
        // an adapter on the linear layers alone cannot sharpen it. 1/√d keeps activations at unit scale and lets a LoRA
        // adapter on a freshly initialised model learn.
        var initializerRange = 1 / Math.Sqrt(tiny ? 64 : 512);
        return architecture switch
        {
            "llama" => new LlamaConfig
            {
                ModelType = "llama",
                Architectures = ["LlamaForCausalLM"],
                VocabSize = vocabSize,
                HiddenSize = tiny ? 64 : 512,
                IntermediateSize = tiny ? 176 : 1376,
                NumHiddenLayers = tiny ? 2 : 8,
                NumAttentionHeads = tiny ? 4 : 8,
                NumKeyValueHeads = tiny ? 2 : 4,
                MaxPositionEmbeddings = Context(size),
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
                NEmbd = tiny ? 64 : 512,
                NLayer = tiny ? 2 : 8,
                NHead = tiny ? 4 : 8,
                NPositions = Context(size),
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

    private static int Context(string size) => size == "tiny" ? 512 : 1024;
}
