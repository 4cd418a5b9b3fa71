using Pipelines.Activities.Models.Tokenization;
using Pipelines.Activities.Models;
using TorchSharp;

namespace Pipelines.Bench.Deploy;

/// <summary>
/// Random-weights Llamas for the serving benchmarks: the product's presets (<c>tiny</c>, <c>mini</c>, <c>small</c>,
/// which <c>pipelines model init</c> makes) and <c>base</c>, a benchmark-only size — width 768, 12 layers, 12 heads
/// over 4 key/value heads, MLP 2,048, about 80 M parameters — whose int8 weights (about 80 MB) no longer fit in this
/// machine's caches, as every served LLM's do not; the presets' weights (3.4 MB and 24 MB int8) do.
/// </summary>
public static class BenchModels
{
    public static (CausalLanguageModel Model, TextTokenizer Tokenizer) Create(string preset)
    {
        if (preset != "base") return ModelPresets.Create("llama", preset, seed: 1);
        var tokenizer = ModelPresets.LearnTokenizer(BuiltInCorpus.Text, ModelPresets.DefaultVocabSize("mini"), addBos: true, modelMaxLength: 1024);
        var config = (LlamaConfig)ModelPresets.Config("llama", "small", tokenizer.VocabSize, tokenizer.EosId) with
        {
            HiddenSize = 768,
            IntermediateSize = 2048,
            NumHiddenLayers = 12,
            NumAttentionHeads = 12,
            NumKeyValueHeads = 4,
            InitializerRange = 1 / Math.Sqrt(768),
        };
        var model = CausalLanguageModel.Create(config);
        using var generator = new torch.Generator(1, torch.CPU);
        model.InitializeWeights(generator);
        return (model, tokenizer);
    }
}
