using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Models.Tokenization;
using Pipelines.Activities.Tests.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>
/// Exported ONNX decoders compute in ONNX Runtime what the TorchSharp models compute: logits for a prompt and for
/// cached decode steps (slots of different lengths too), the same greedy tokens, and, quantized, the logits of the TorchSharp
/// model holding the dequantized weights.
/// </summary>
public sealed class OnnxExportTests
{
    /// <summary>
    /// Float32 with a different summation order (ONNX Runtime's kernels against libtorch's) differs by about 3e-6 on
    /// these logits (measured); 1e-4 leaves a margin and is ten times stricter than the 1e-3 asked of the export.
    /// </summary>
    private const double Tolerance = 1e-4;

    /// <summary>
    /// Quantized: ONNX Runtime dequantizes each block as (code − zero point) · scale, and the dequantized TorchSharp
    /// model holds value · scale. Codes are small integers and scales float16-exact, so both products are exact in
    /// float32 and the weights are the very same numbers; only summation order differs, so the float32 tolerance holds
    /// (measured: at most 3.4e-6).
    /// </summary>
    private const double QuantizedTolerance = Tolerance;

    private static readonly long[][] Prompts =
    [
        [5, 17, 3, 42, 8, 99, 1, 7, 250],
        [11],
        [300, 2, 2, 2, 9],
        [64, 128, 256, 32, 16, 8, 4],
        [7, 7],
        [400, 401, 402],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        [90, 80, 70, 60],
    ];

    public static TheoryData<string> Architectures => new() { "llama", "gpt2" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Float32_export_gives_torchsharps_logits_for_a_prompt_and_cached_decode_steps(string architecture)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        AssertSameLogits(model, folder.Path, Tolerance);
    }

    [Fact]
    public void Grouped_query_llama_with_an_untied_head_and_biases_gives_torchsharps_logits()
    {
        var config = TinyModels.LlamaConfig(tied: false, vocab: 512, attentionBias: true) with { NumKeyValueHeads = 1 };
        var model = TinyModels.Random(config);
        var (_, tokenizer) = ModelPresets.Create("llama", "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        AssertSameLogits(model, folder.Path, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Slots_of_different_lengths_give_each_sequence_torchsharps_logits_alone(string architecture)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        using var decoder = OnnxDecoder.Open(folder.Path);
        using var noGrad = no_grad();
        var prompts = new[] { Prompts[0], Prompts[1], Prompts[2] }.Select(p => p.Select(t => (int)t).ToArray()).ToArray();
        // Each alone in TorchSharp: the prompt, then two tokens, one at a time.
        var caches = prompts.Select(_ => new KvCache(model.LayerCount)).ToArray();
        var expected = prompts.Select((p, i) => LastRow(model.Forward(tensor(p.Select(t => (long)t).ToArray(), [1, p.Length]), cache: caches[i]))).ToArray();

        // Slot 0 first, then slots 1 and 2 join together (right-padded to the longest).
        var slots = decoder.NewSlots(slots: 4, maxLength: 64);
        var first = decoder.Prefill(slots, 0, [prompts[0]]);
        var joined = decoder.Prefill(slots, 1, [prompts[1], prompts[2]]);
        AssertRow(expected[0], first, 0);
        AssertRow(expected[1], joined, 0);
        AssertRow(expected[2], joined, 1);

        int[] tokens = [3, 4, 5];
        var held = prompts.Select(p => p.Length).ToArray();
        var step = decoder.Decode(slots, tokens, held);
        for (var i = 0; i < 3; i++)
        {
            AssertRow(LastRow(model.Forward(tensor(new long[] { tokens[i] }, [1, 1]), cache: caches[i])), step, i);
            held[i]++;
        }

        // Sequence 0 leaves: the last moves into its slot and decodes on from there.
        slots.Move(from: 2, to: 0, held[2]);
        step = decoder.Decode(slots, [6, 7], [held[2], held[1]]);
        AssertRow(LastRow(model.Forward(tensor(new long[] { 6 }, [1, 1]), cache: caches[2])), step, 0);
        AssertRow(LastRow(model.Forward(tensor(new long[] { 7 }, [1, 1]), cache: caches[1])), step, 1);
        foreach (var cache in caches) cache.Dispose();
    }

    [Fact]
    public void An_export_from_before_shared_caches_still_generates_but_cannot_take_slots()
    {
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        using (var current = OnnxDecoder.Open(folder.Path)) Assert.True(current.HasSlots);

        OnnxExports.ForgetCacheLayout(folder.Path);
        using var earlier = OnnxDecoder.Open(folder.Path);
        Assert.False(earlier.HasSlots);
        Assert.Equal(8, earlier.Generate([5, 6, 7], 8).Length);
        var error = Assert.Throws<ModelFormatException>(() => earlier.NewSlots(2, 64));
        Assert.Contains(folder.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("export the model again", error.Hint, StringComparison.Ordinal);
    }

    private static float[] LastRow(Tensor logits)
    {
        using (logits)
        {
            return logits[0, -1].data<float>().ToArray();
        }
    }

    private static void AssertRow(float[] expected, float[] rows, int row)
    {
        var actual = rows.AsSpan(row * expected.Length, expected.Length).ToArray();
        Assert.InRange(expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max(), 0, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Greedy_generation_in_onnx_runtime_gives_torchsharps_tokens(string architecture)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        using var decoder = OnnxDecoder.Open(folder.Path, new OnnxDecoderOptions { IntraOpThreads = 1 });
        var prompts = Prompts.Select(p => p.Select(t => (int)t).ToArray()).ToList();

        var expected = TextGenerator.GenerateIds(model, prompts, new GenerationOptions { MaxNewTokens = 64, Greedy = true }, new HashSet<int>(), tokenizer.PadId);

        for (var i = 0; i < prompts.Count; i++)
        {
            var actual = decoder.Generate(prompts[i], 64);
            Assert.Equal(64, actual.Length);
            Assert.Equal(expected[i], actual);
        }
    }

    [Theory]
    [InlineData("llama", 8)]
    [InlineData("llama", 4)]
    [InlineData("gpt2", 8)]
    [InlineData("gpt2", 4)]
    public void Quantized_export_gives_the_logits_of_the_dequantized_model(string architecture, int bits)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        var quantized = Quantize(model, bits);
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, quantized, folder.Path, Exact);

        var (dequantized, _) = ModelPresets.Create(architecture, "tiny");
        QuantizedWeights.Apply(dequantized, quantized);
        using var ids = tensor(Prompts[0], [1, Prompts[0].Length]);
        Assert.True(TinyModels.MaxDifference(model.Forward(ids), dequantized.Forward(ids)) > 1e-3,
            "quantization should change the logits, or this test proves nothing");
        AssertSameLogits(dequantized, folder.Path, QuantizedTolerance);
    }

    /// <summary>Float32 activations: the export computes exactly what the dequantized model computes.</summary>
    private static readonly OnnxExportOptions Exact = new() { Int8Activations = false };

    [Theory]
    [InlineData("llama", 8)]
    [InlineData("llama", 4)]
    [InlineData("gpt2", 8)]
    public void By_default_quantized_exports_multiply_int8_activations_and_stay_near_the_dequantized_model(string architecture, int bits)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        var quantized = Quantize(model, bits);
        using var fast = new TinyModels.TempFolder();
        using var exact = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, quantized, fast.Path);
        OnnxExport.Write(model, tokenizer, quantized, exact.Path, Exact);

        using var fastDecoder = OnnxDecoder.Open(fast.Path);
        using var exactDecoder = OnnxDecoder.Open(exact.Path);
        var prompt = Prompts[0].Select(i => (long)i).ToArray();
        var fastLogits = fastDecoder.Forward(prompt, fastDecoder.NewCache());
        var exactLogits = exactDecoder.Forward(prompt, exactDecoder.NewCache());
        var difference = fastLogits.Zip(exactLogits, (a, b) => Math.Abs(a - b)).Max();
        var range = exactLogits.Max() - exactLogits.Min();

        // Not the same graph (int8 activations move the logits a little), but the same model: within 5% of the logits' range.
        Assert.InRange(difference, 1e-7, 0.05 * range);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Quantized_widths_that_are_not_whole_blocks_are_padded_exactly(int bits)
    {
        // Width 16 (the embedding is cut from one padded block of 32), MLP width 24, an untied quantized LM head, biases.
        var config = TinyModels.LlamaConfig(tied: false, vocab: 512, attentionBias: true);
        var model = TinyModels.Random(config);
        var quantized = Quantize(model, bits);
        var (_, tokenizer) = ModelPresets.Create("llama", "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, quantized, folder.Path, Exact);

        var dequantized = TinyModels.Random(config);
        QuantizedWeights.Apply(dequantized, quantized);
        AssertSameLogits(dequantized, folder.Path, QuantizedTolerance);
    }

    [Fact]
    public void Quantized_exports_of_the_mini_model_are_a_fraction_of_the_float32_size()
    {
        var (model, tokenizer) = ModelPresets.Create("llama", "mini");
        using var folder = new TinyModels.TempFolder();
        var full = WeightBytes(OnnxExport.Write(model, tokenizer, null, folder.Sub("fp32")));
        var int8 = WeightBytes(OnnxExport.Write(model, tokenizer, Quantize(model, 8), folder.Sub("int8")));
        var int4 = WeightBytes(OnnxExport.Write(model, tokenizer, Quantize(model, 4), folder.Sub("int4")));

        Assert.InRange((double)int8 / full, 0.2, 0.30);
        Assert.InRange((double)int4 / full, 0.1, 0.20);
        using var decoder = OnnxDecoder.Open(folder.Sub("int4"));
        Assert.Equal(8, decoder.Generate([5, 6, 7], 8).Length);
    }

    [Fact]
    public void A_corrupt_or_truncated_model_is_a_clear_error_naming_the_file()
    {
        var (model, tokenizer) = ModelPresets.Create("gpt2", "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        var path = Path.Combine(folder.Path, OnnxExport.ModelFile);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<ModelFormatException>(() => OnnxDecoder.Open(folder.Path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("export the model again", error.Hint, StringComparison.Ordinal);

        File.WriteAllBytes(path, bytes);
        var data = Path.Combine(folder.Path, OnnxExport.DataFile);
        using (var stream = new FileStream(data, FileMode.Open)) stream.SetLength(stream.Length / 2);
        Assert.Contains(path, Assert.Throws<ModelFormatException>(() => OnnxDecoder.Open(folder.Path)).Message, StringComparison.Ordinal);

        File.Delete(path);
        Assert.Contains("has no model.onnx", Assert.Throws<ModelFormatException>(() => OnnxDecoder.Open(folder.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_writes_genai_config_config_and_tokenizer_files()
    {
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny");
        using var folder = new TinyModels.TempFolder();
        var result = OnnxExport.Write(model, tokenizer, null, folder.Path);

        Assert.Contains("genai_config.json", result.Files);
        Assert.Contains("config.json", result.Files);
        Assert.Contains("tokenizer.json", result.Files);
        Assert.Equal(result.Files.Sum(f => new FileInfo(Path.Combine(folder.Path, f)).Length), result.TotalBytes);
        var genai = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "genai_config.json")))!;
        var c = (LlamaConfig)model.Config;
        Assert.Equal("llama", genai["model"]!["type"]!.GetValue<string>());
        Assert.Equal(c.KeyValueHeads, genai["model"]!["decoder"]!["num_key_value_heads"]!.GetValue<int>());
        Assert.Equal(c.HeadDimension, genai["model"]!["decoder"]!["head_size"]!.GetValue<int>());
        Assert.Equal(tokenizer.EosId, genai["model"]!["eos_token_id"]!.GetValue<int>());
        Assert.True(new FileInfo(Path.Combine(folder.Path, OnnxExport.ModelFile)).Length < 100_000, "the graph file holds no weights");
        Assert.Equal(model.Config.VocabSize, ModelConfig.Load(folder.Path).VocabSize);
    }

    /// <summary>A prompt, then four cached one-token steps: ONNX Runtime's logits against TorchSharp's at each.</summary>
    private static void AssertSameLogits(CausalLanguageModel model, string directory, double tolerance)
    {
        using var decoder = OnnxDecoder.Open(directory);
        Assert.Equal(model.LayerCount, decoder.LayerCount);
        using var cache = new KvCache(model.LayerCount);
        using var onnxCache = decoder.NewCache();
        using var noGrad = no_grad();
        long[] prompt = Prompts[0];
        var expected = model.Forward(tensor(prompt, [1, prompt.Length]), null, cache);
        Assert.InRange(MaxDifference(expected, decoder.Forward(prompt, onnxCache)), 0, tolerance);
        foreach (var token in new long[] { 3, 77, 200, 9 })
        {
            expected = model.Forward(tensor(new[] { token }, [1, 1]), null, cache);
            Assert.InRange(MaxDifference(expected, decoder.Forward([token], onnxCache)), 0, tolerance);
        }
    }

    private static double MaxDifference(Tensor expected, float[] actual)
    {
        var flat = expected.contiguous().data<float>().ToArray();
        Assert.Equal(flat.Length, actual.Length);
        return flat.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
    }

    private static Dictionary<string, QuantizedMatrix> Quantize(CausalLanguageModel model, int bits) =>
        QuantizedWeights.Matrices(model).ToDictionary(m => m.Key, m => bits == 8
            ? WeightQuantizer.Int8PerChannel(m.RowMajor(), m.Rows, m.Columns)
            : WeightQuantizer.Int4Blocks(m.RowMajor(), m.Rows, m.Columns), StringComparer.Ordinal);

    private static long WeightBytes(OnnxExportResult result) =>
        new[] { OnnxExport.ModelFile, OnnxExport.DataFile }.Sum(f => new FileInfo(Path.Combine(result.Directory, f)).Length);
}
