using Pipelines.Activities.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

/// <summary>Very small models for tests, with weights drawn from a fixed seed (wider than HF's 0.02, so logits differ visibly).</summary>
internal static class TinyModels
{
    public static LlamaConfig LlamaConfig(bool tied = true, string modelType = "llama", int vocab = 40, bool attentionBias = false) => new()
    {
        ModelType = modelType,
        Architectures = ["LlamaForCausalLM"],
        VocabSize = vocab,
        HiddenSize = 16,
        IntermediateSize = 24,
        NumHiddenLayers = 1,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 64,
        RopeTheta = 500,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = tied,
        AttentionBias = attentionBias,
        EosTokenId = [vocab - 1],
        BosTokenId = vocab - 1,
    };

    public static Gpt2Config Gpt2Config(int vocab = 40) => new()
    {
        ModelType = "gpt2",
        Architectures = ["GPT2LMHeadModel"],
        VocabSize = vocab,
        NEmbd = 16,
        NHead = 4,
        NLayer = 1,
        NPositions = 32,
        ResidPdrop = 0,
        EmbdPdrop = 0,
        AttnPdrop = 0,
        EosTokenId = [vocab - 1],
        BosTokenId = vocab - 1,
    };

    /// <summary>The model of <paramref name="config"/> with every parameter (norms and biases too) drawn from N(0, std).</summary>
    public static CausalLanguageModel Random(ModelConfig config, ulong seed = 7, double std = 0.3)
    {
        var model = CausalLanguageModel.Create(config);
        using var generator = new Generator(seed, CPU);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal))
                {
                    parameter.normal_(1, 0.1, generator);
                }
                else
                {
                    parameter.normal_(0, std, generator);
                }
            }
        }

        model.eval();
        return model;
    }

    public static Tensor Ids(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    /// <summary>Same dtype, shape and values.</summary>
    public static bool Same(Tensor a, Tensor b) => a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static double MaxDifference(Tensor a, Tensor b) => a.to(ScalarType.Float64).sub(b.to(ScalarType.Float64)).abs().max().item<double>();

    /// <summary>A fresh temporary folder, removed on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pipelines-models-").FullName;

        public string Sub(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
