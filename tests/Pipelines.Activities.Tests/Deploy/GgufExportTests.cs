using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Tests.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>
/// GGUF export of tiny Llama (GQA, and multi-head with an untied LM head) and GPT-2 models, checked by reading the file
/// back and by running it in llama.cpp against TorchSharp.
/// </summary>
public sealed class GgufExportTests : IDisposable
{
    private readonly TinyModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The Llama configurations: the tiny preset (4 query heads sharing 2 key/value heads, tied) and a multi-head one with its own LM head.</summary>
    public static TheoryData<string, bool> Models => new() { { "llama", false }, { "llama", true }, { "gpt2", false } };

    private static (CausalLanguageModel Model, TextTokenizer Tokenizer) Create(string architecture, bool multiHeadUntied) =>
        GgufModels.Create(architecture, multiHeadUntied ? c => (LlamaConfig)c with { NumKeyValueHeads = 4, TieWordEmbeddings = false } : null);

    [Fact]
    public void Llama_f32_file_reads_back_with_its_metadata_and_bit_exact_tensors_in_llama_cpp_layout()
    {
        var (model, tokenizer) = Create("llama", false);
        var result = GgufExport.Write(model, tokenizer, GgufType.F32, null, _folder.Sub("llama.gguf"));

        var file = GgufReader.Read(result.Path);
        Assert.Equal(new FileInfo(result.Path).Length, result.Bytes);
        Assert.Empty(result.FellBack);
        var config = (LlamaConfig)model.Config;
        Assert.Equal("llama", file.Metadata["general.architecture"]);
        Assert.Equal((uint)config.NumHiddenLayers, file.Metadata["llama.block_count"]);
        Assert.Equal((uint)config.NumAttentionHeads, file.Metadata["llama.attention.head_count"]);
        Assert.Equal((uint)config.KeyValueHeads, file.Metadata["llama.attention.head_count_kv"]);
        Assert.Equal((float)config.Theta, file.Metadata["llama.rope.freq_base"]);
        Assert.Equal((uint)32, file.Metadata["general.alignment"]);
        Assert.Equal(true, file.Metadata["tokenizer.ggml.add_bos_token"]);
        var tokens = (string[])file.Metadata["tokenizer.ggml.tokens"];
        Assert.Equal(tokenizer.VocabSize, tokens.Length);
        Assert.Equal(ModelPresets.SpecialToken, tokens[tokenizer.EosId]);
        Assert.Equal(3, ((int[])file.Metadata["tokenizer.ggml.token_type"])[tokenizer.EosId]);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 32));
        Assert.DoesNotContain(file.Tensors, t => t.Name == "output.weight");

        var parameters = model.CheckpointTensors().ToDictionary(t => t.Key, t => t.Value.data<float>().ToArray());
        Assert.Equal([64L, tokenizer.VocabSize], file.Tensor("token_embd.weight").Dimensions);
        Assert.Equal(parameters["model.embed_tokens.weight"], file.ReadTensor("token_embd.weight"));
        Assert.Equal(parameters["model.layers.1.mlp.down_proj.weight"], file.ReadTensor("blk.1.ffn_down.weight"));
        Assert.Equal(parameters["model.norm.weight"], file.ReadTensor("output_norm.weight"));
        // q and k rows: HF's half-split rotary pairs (p, p + d/2) become llama.cpp's neighbours (2p, 2p + 1) in each head.
        Assert.Equal(HalfSplitToAdjacent(parameters["model.layers.0.self_attn.k_proj.weight"], heads: 2, columns: 64), file.ReadTensor("blk.0.attn_k.weight"));
        Assert.Equal(HalfSplitToAdjacent(parameters["model.layers.0.self_attn.q_proj.weight"], heads: 4, columns: 64), file.ReadTensor("blk.0.attn_q.weight"));
        Assert.NotEqual(parameters["model.layers.0.self_attn.q_proj.weight"], file.ReadTensor("blk.0.attn_q.weight"));
    }

    [Fact]
    public void Gpt2_file_holds_conv1d_weights_transposed_and_its_biases()
    {
        var (model, tokenizer) = Create("gpt2", false);
        var file = GgufReader.Read(GgufExport.Write(model, tokenizer, GgufType.F32, null, _folder.Sub("gpt2.gguf")).Path);

        Assert.Equal("gpt2", file.Metadata["general.architecture"]);
        Assert.Equal((uint)512, file.Metadata["gpt2.context_length"]);
        Assert.Equal(false, file.Metadata["tokenizer.ggml.add_bos_token"]);
        var cAttn = model.CheckpointTensors().Single(t => t.Key == "transformer.h.0.attn.c_attn.weight").Value;
        Assert.Equal([64L, 192L], file.Tensor("blk.0.attn_qkv.weight").Dimensions);
        Assert.Equal(cAttn.t().contiguous().data<float>().ToArray(), file.ReadTensor("blk.0.attn_qkv.weight"));
        Assert.Contains(file.Tensors, t => t.Name == "blk.1.ffn_down.bias");
        Assert.Contains(file.Tensors, t => t.Name == "position_embd.weight");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Quantized_matrices_are_written_as_their_own_integers_and_scales(int bits)
    {
        var (model, tokenizer) = Create("llama", false);
        var quantized = Quantize(model, bits);
        var result = GgufExport.Write(model, tokenizer, bits == 8 ? GgufType.Q8_0 : GgufType.Q4_0, quantized, _folder.Sub("q.gguf"));
        var file = GgufReader.Read(result.Path);

        // down_proj has 176 inputs, not whole blocks of 32: written F16, from the dequantized matrix.
        Assert.Equal(["blk.0.ffn_down.weight", "blk.1.ffn_down.weight"], result.FellBack.Keys.Order());
        Assert.All(result.FellBack.Values, t => Assert.Equal(GgmlType.F16, t));
        Assert.Equal(GgmlType.F16, file.Tensor("blk.0.ffn_down.weight").Type);
        Assert.Equal(quantized["model.layers.0.mlp.down_proj.weight"].Dequantize().Select(v => (float)(Half)v), file.ReadTensor("blk.0.ffn_down.weight"));

        var type = bits == 8 ? GgmlType.Q8_0 : GgmlType.Q4_0;
        Assert.Equal(type, file.Tensor("token_embd.weight").Type);
        Assert.Equal(quantized["model.embed_tokens.weight"].Dequantize(), file.ReadTensor("token_embd.weight"));
        Assert.Equal(quantized["model.layers.1.mlp.gate_proj.weight"].Dequantize(), file.ReadTensor("blk.1.ffn_gate.weight"));
        Assert.Equal(HalfSplitToAdjacent(quantized["model.layers.1.self_attn.k_proj.weight"].Dequantize(), heads: 2, columns: 64), file.ReadTensor("blk.1.attn_k.weight"));
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_norm.weight").Type);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Llama_cpp_tokenizes_as_our_tokenizer(string architecture)
    {
        var (model, tokenizer) = Create(architecture, false);
        using var llama = Run(model, tokenizer, GgufType.F32);
        string[] texts =
        [
            "Dear Anna,\n\nthe meeting is moved to Thursday 10:30.\nBest regards,\nJohn",
            "Hello, world!!! (really?) -- yes; \"quoted\" [x] {y} #tag @user",
            "numbers 12345 and 3.14159, 1,000,000 and -42",
            "unicode: café, naïve, Straße, 日本語, emoji 🎉👍",
            "   leading spaces and  double  spaces   ",
            "tabs\tand\r\nCRLF\n\n\nblank lines",
            "it's we'll they've I'm don't she'd",
            "text<|endoftext|>after the special token",
            "",
        ];

        foreach (var text in texts) Assert.Equal(tokenizer.Encode(text), llama.Tokenize(text));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void F32_file_generates_in_llama_cpp_what_TorchSharp_generates(string architecture, bool multiHeadUntied)
    {
        var (model, tokenizer) = Create(architecture, multiHeadUntied);
        using var llama = Run(model, tokenizer, GgufType.F32);

        var torch = GgufModels.Greedy(model, tokenizer, 64);
        for (var i = 0; i < GgufModels.Prompts.Length; i++)
        {
            Assert.Equal(torch[i], llama.GenerateGreedy(GgufModels.PromptIds(tokenizer, GgufModels.Prompts[i]), 64));
        }

        // Llama: float32 throughout, only the order of sums differs (measured 1e-5 on logits up to 7). GPT-2: llama.cpp's
        // CPU GELU looks its result up in a float16 table (ggml-cpu's GGML_GELU_FP16), measured 2e-3.
        Assert.InRange(GgufModels.LogitDifference(llama, model, tokenizer), 0, architecture == "llama" ? 1e-4 : 1e-2);
    }

    [Theory]
    [InlineData("llama", GgufType.Q8_0)]
    [InlineData("llama", GgufType.Q4_0)]
    [InlineData("gpt2", GgufType.Q8_0)]
    [InlineData("gpt2", GgufType.Q4_0)]
    public void Quantized_file_computes_what_TorchSharp_computes_with_the_dequantized_weights(string architecture, GgufType type)
    {
        var (model, tokenizer) = Create(architecture, false);
        var quantized = Quantize(model, type == GgufType.Q8_0 ? 8 : 4);
        using var llama = Run(model, tokenizer, type, quantized);
        var (dequantized, _) = Create(architecture, false);
        QuantizedWeights.Apply(dequantized, quantized);

        // llama.cpp also rounds activations to 8 bits for these matmuls, so it is not equal to the dequantized model,
        // but nearer to it than to the float32 one whose weights it does not hold.
        Assert.True(GgufModels.LogitDifference(llama, dequantized, tokenizer) < GgufModels.LogitDifference(llama, model, tokenizer));
        var generated = llama.GenerateGreedy(GgufModels.PromptIds(tokenizer, GgufModels.Prompts[0]), 64);
        Assert.Equal(64, generated.Length);
        Assert.All(generated, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void F16_file_computes_within_float16_rounding_of_TorchSharp(string architecture)
    {
        var (model, tokenizer) = Create(architecture, false);
        using var llama = Run(model, tokenizer, GgufType.F16);
        var (rounded, _) = Create(architecture, false);
        using (no_grad())
        {
            foreach (var matrix in QuantizedWeights.Matrices(rounded)) matrix.Weight.copy_(matrix.Weight.to(ScalarType.Float16).to(ScalarType.Float32));
        }

        // llama.cpp's F16 matmul rounds the activations to float16 too, which counts as much as the weights' rounding:
        // measured 0.026 (Llama) and 0.006 (GPT-2) on logits up to 7, against 1e-5 and 2e-3 for the F32 file.
        Assert.InRange(GgufModels.LogitDifference(llama, rounded, tokenizer), 0, 0.1);
        Assert.Equal(64, llama.GenerateGreedy(GgufModels.PromptIds(tokenizer, GgufModels.Prompts[1]), 64).Length);
    }

    [Fact]
    public void Truncated_or_corrupt_files_are_refused_naming_the_file()
    {
        var (model, tokenizer) = Create("llama", false);
        var good = GgufExport.Write(model, tokenizer, GgufType.F32, null, _folder.Sub("good.gguf")).Path;
        var bytes = File.ReadAllBytes(good);

        var truncated = _folder.Sub("truncated.gguf");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<ModelFormatException>(() => GgufReader.Read(truncated));
        Assert.Contains(truncated, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains(truncated, Assert.Throws<ModelFormatException>(() => LlamaCppModel.Load(truncated)).Message);

        var header = _folder.Sub("header.gguf");
        File.WriteAllBytes(header, bytes[..40]);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => GgufReader.Read(header)).Message);

        var notGguf = _folder.Sub("not.gguf");
        File.WriteAllBytes(notGguf, [.. "PK\x03\x04"u8, .. bytes[4..]]);
        Assert.Contains("is not a GGUF file", Assert.Throws<ModelFormatException>(() => LlamaCppModel.Load(notGguf)).Message);
    }

    [Fact]
    public void A_well_formed_file_llama_cpp_refuses_gives_its_reason()
    {
        var path = _folder.Sub("empty-llama.gguf");
        new GgufWriter().Add("general.architecture", "llama").Write(path);

        var error = Assert.Throws<ModelFormatException>(() => LlamaCppModel.Load(path));
        Assert.Contains($"llama.cpp cannot load {path}", error.Message);
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public void Writer_and_reader_agree_on_every_metadata_type()
    {
        var path = _folder.Sub("values.gguf");
        object[] values = [(byte)1, (sbyte)-2, (ushort)3, (short)-4, 5u, -6, 7.5f, true, "text ü", 8UL, -9L, 10.25, new[] { "a", "bc" }, new[] { 1, -2 }, new[] { 0.5f }];
        var writer = new GgufWriter();
        for (var i = 0; i < values.Length; i++) writer.Add($"k{i}", values[i]);
        writer.AddTensor("t", [3, 2], GgmlType.F32, () => GgmlBlocks.F32([1, 2, 3, 4, 5, 6]));
        writer.Write(path);

        var file = GgufReader.Read(path);
        for (var i = 0; i < values.Length; i++) Assert.Equal(values[i], file.Metadata[$"k{i}"]);
        Assert.Equal([1f, 2, 3, 4, 5, 6], file.ReadTensor("t"));
    }

    [Fact]
    public void Models_llama_cpp_would_compute_differently_are_refused()
    {
        var (model, tokenizer) = GgufModels.Create("llama", c => (LlamaConfig)c with { RopeScaling = new RopeScaling { RopeType = "linear", Factor = 2 } });
        var rope = Assert.Throws<ModelFormatException>(() => GgufExport.Write(model, tokenizer, GgufType.F32, null, _folder.Sub("rope.gguf")));
        Assert.Contains("rope_scaling type 'linear'", rope.Message);

        var (gpt2, gpt2Tokenizer) = GgufModels.Create("gpt2", c => (Gpt2Config)c with { ActivationFunction = "relu" });
        Assert.Contains("activation_function 'relu'", Assert.Throws<ModelFormatException>(() => GgufExport.Write(gpt2, gpt2Tokenizer, GgufType.F32, null, _folder.Sub("relu.gguf"))).Message);
    }

    /// <summary><paramref name="model"/> exported as <paramref name="type"/> and loaded in llama.cpp.</summary>
    private LlamaCppModel Run(CausalLanguageModel model, TextTokenizer tokenizer, GgufType type, IReadOnlyDictionary<string, QuantizedMatrix>? quantized = null) =>
        LlamaCppModel.Load(GgufExport.Write(model, tokenizer, type, quantized, _folder.Sub($"{type}.gguf")).Path);

    private static Dictionary<string, QuantizedMatrix> Quantize(CausalLanguageModel model, int bits) =>
        QuantizedWeights.Matrices(model).ToDictionary(m => m.Key, m => bits == 8
            ? WeightQuantizer.Int8PerChannel(m.RowMajor(), m.Rows, m.Columns)
            : WeightQuantizer.Int4Blocks(m.RowMajor(), m.Rows, m.Columns));

    /// <summary>The rows of a q or k matrix as llama.cpp's converter orders them: in each head, row p then row p + d/2.</summary>
    private static float[] HalfSplitToAdjacent(float[] weights, int heads, int columns)
    {
        var rows = weights.Length / columns;
        var d = rows / heads;
        var result = new List<float>();
        for (var h = 0; h < heads; h++)
        {
            for (var p = 0; p < d / 2; p++)
            {
                result.AddRange(weights.Skip((h * d + p) * columns).Take(columns));
                result.AddRange(weights.Skip((h * d + d / 2 + p) * columns).Take(columns));
            }
        }

        return [.. result];
    }
}
