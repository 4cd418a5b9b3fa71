using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>A tensor of the GGUF file and the checkpoint tensor it is made from.</summary>
/// <param name="Name">llama.cpp's name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Key">The checkpoint key (and the key of its quantized matrix), e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Transposed">GPT-2's Conv1D weights, stored <c>[in, out]</c>; the file holds <c>[out, in]</c>.</param>
/// <param name="RopeHeads">For Llama's q and k: the heads whose rows are reordered from HF's half-split rotary pairs to llama.cpp's adjacent pairs.</param>
internal sealed record GgufSource(string Name, string Key, Tensor Weight, bool Transposed = false, int RopeHeads = 0);

/// <summary>
/// What llama.cpp's <c>llama</c> and <c>gpt2</c> architectures read: the hyperparameter keys under the architecture's
/// name and each tensor's name, as llama.cpp's loader and its Hugging Face converter spell them.
/// </summary>
internal static class GgufArchitectures
{
    public static (string Name, IReadOnlyList<KeyValuePair<string, object>> Metadata, IReadOnlyList<GgufSource> Tensors) Of(CausalLanguageModel model) => model switch
    {
        Llama llama => ("llama", LlamaMetadata((LlamaConfig)llama.Config), LlamaTensors(llama)),
        Gpt2 gpt2 => ("gpt2", Gpt2Metadata((Gpt2Config)gpt2.Config), Gpt2Tensors(gpt2)),
        _ => throw new ModelFormatException($"a {model.Architecture} model cannot be exported to GGUF", "GGUF export writes llama and gpt2 models"),
    };

    private static List<KeyValuePair<string, object>> LlamaMetadata(LlamaConfig c)
    {
        var scaling = c.RopeScaling ?? c.RopeParameters;
        if (scaling?.Type is not (null or "default"))
            throw new ModelFormatException($"rope_scaling type '{scaling.Type}' cannot be exported to GGUF", "GGUF export writes plain RoPE only; export a model without rope_scaling");
        if (c.QkvBias || c.OutputBias || c.MlpBias)
            throw new ModelFormatException($"a {c.ModelType} model with biases on its linear maps cannot be exported to GGUF", "GGUF export writes bias-free Llama models (attention_bias and mlp_bias false)");
        return
        [
            new("llama.context_length", (uint)c.MaxPositionEmbeddings),
            new("llama.embedding_length", (uint)c.HiddenSize),
            new("llama.block_count", (uint)c.NumHiddenLayers),
            new("llama.feed_forward_length", (uint)c.IntermediateSize),
            new("llama.attention.head_count", (uint)c.NumAttentionHeads),
            new("llama.attention.head_count_kv", (uint)c.KeyValueHeads),
            new("llama.attention.key_length", (uint)c.HeadDimension),
            new("llama.attention.value_length", (uint)c.HeadDimension),
            new("llama.rope.freq_base", (float)c.Theta),
            new("llama.rope.dimension_count", (uint)c.HeadDimension),
            new("llama.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps),
            new("llama.vocab_size", (uint)c.VocabSize),
        ];
    }

    private static List<GgufSource> LlamaTensors(Llama model)
    {
        var c = (LlamaConfig)model.Config;
        var weights = Weights(model);
        var tensors = new List<GgufSource> { new("token_embd.weight", "model.embed_tokens.weight", weights("model.embed_tokens.weight")) };
        for (var i = 0; i < c.NumHiddenLayers; i++)
        {
            var layer = $"model.layers.{i}.";
            GgufSource Tensor(string name, string key, int ropeHeads = 0) => new($"blk.{i}.{name}.weight", layer + key, weights(layer + key), RopeHeads: ropeHeads);
            tensors.Add(Tensor("attn_norm", "input_layernorm.weight"));
            tensors.Add(Tensor("attn_q", "self_attn.q_proj.weight", c.NumAttentionHeads));
            tensors.Add(Tensor("attn_k", "self_attn.k_proj.weight", c.KeyValueHeads));
            tensors.Add(Tensor("attn_v", "self_attn.v_proj.weight"));
            tensors.Add(Tensor("attn_output", "self_attn.o_proj.weight"));
            tensors.Add(Tensor("ffn_norm", "post_attention_layernorm.weight"));
            tensors.Add(Tensor("ffn_gate", "mlp.gate_proj.weight"));
            tensors.Add(Tensor("ffn_up", "mlp.up_proj.weight"));
            tensors.Add(Tensor("ffn_down", "mlp.down_proj.weight"));
        }

        tensors.Add(new("output_norm.weight", "model.norm.weight", weights("model.norm.weight")));
        // Tied: llama.cpp uses token_embd as the output layer when the file has no output tensor.
        if (!c.TieWordEmbeddings) tensors.Add(new("output.weight", "lm_head.weight", weights("lm_head.weight")));
        return tensors;
    }

    private static List<KeyValuePair<string, object>> Gpt2Metadata(Gpt2Config c)
    {
        // llama.cpp's GPT-2 applies GELU with the tanh approximation, which is HF's gelu_new.
        if (c.ActivationFunction is not ("gelu_new" or "gelu_pytorch_tanh"))
            throw new ModelFormatException($"a GPT-2 with activation_function '{c.ActivationFunction}' cannot be exported to GGUF", "llama.cpp's gpt2 computes gelu_new (GELU, tanh approximation) only");
        return
        [
            new("gpt2.context_length", (uint)c.NPositions),
            new("gpt2.embedding_length", (uint)c.NEmbd),
            new("gpt2.feed_forward_length", (uint)c.Inner),
            new("gpt2.block_count", (uint)c.NLayer),
            new("gpt2.attention.head_count", (uint)c.NHead),
            new("gpt2.attention.layer_norm_epsilon", (float)c.LayerNormEpsilon),
        ];
    }

    private static List<GgufSource> Gpt2Tensors(Gpt2 model)
    {
        var c = (Gpt2Config)model.Config;
        var weights = Weights(model);
        var tensors = new List<GgufSource>
        {
            new("token_embd.weight", "transformer.wte.weight", weights("transformer.wte.weight")),
            new("position_embd.weight", "transformer.wpe.weight", weights("transformer.wpe.weight")),
        };
        for (var i = 0; i < c.NLayer; i++)
        {
            foreach (var (name, module, conv) in new[] { ("attn_norm", "ln_1", false), ("attn_qkv", "attn.c_attn", true), ("attn_output", "attn.c_proj", true), ("ffn_norm", "ln_2", false), ("ffn_up", "mlp.c_fc", true), ("ffn_down", "mlp.c_proj", true) })
            {
                var key = $"transformer.h.{i}.{module}";
                tensors.Add(new($"blk.{i}.{name}.weight", $"{key}.weight", weights($"{key}.weight"), Transposed: conv));
                tensors.Add(new($"blk.{i}.{name}.bias", $"{key}.bias", weights($"{key}.bias")));
            }
        }

        tensors.Add(new("output_norm.weight", "transformer.ln_f.weight", weights("transformer.ln_f.weight")));
        tensors.Add(new("output_norm.bias", "transformer.ln_f.bias", weights("transformer.ln_f.bias")));
        return tensors;
    }

    private static Func<string, Tensor> Weights(CausalLanguageModel model)
    {
        var tensors = model.CheckpointTensors().ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return key => tensors.TryGetValue(key, out var t) ? t : throw new InvalidOperationException($"the model has no parameter {key}");
    }
}
