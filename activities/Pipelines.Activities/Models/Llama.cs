using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

// Llama, read top to bottom: config → RMSNorm → rotary embedding → attention → MLP → block → model → LM head.
// Mistral and Qwen2 checkpoints are the same network (Qwen2 adds a bias to q/k/v), so they load here too.

/// <summary>config.json of <c>LlamaForCausalLM</c> (also <c>MistralForCausalLM</c>, <c>Qwen2ForCausalLM</c>); defaults are HF's.</summary>
public sealed record LlamaConfig : ModelConfig
{
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    /// <summary>Grouped-query attention: fewer key/value heads than query heads (absent: as many).</summary>
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    /// <summary>Absent in most files: hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; init; }
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScaling { get; init; }
    /// <summary>transformers 5 moved rope_theta and rope_scaling here.</summary>
    [JsonPropertyName("rope_parameters")] public RopeScaling? RopeParameters { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    /// <summary>A bias on q, k, v and o (Llama); Qwen2 always has one on q, k, v only.</summary>
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;
    [JsonIgnore] public bool QkvBias => AttentionBias || ModelType == "qwen2";
    [JsonIgnore] public bool OutputBias => AttentionBias && ModelType != "qwen2";
    [JsonIgnore] public double Theta => RopeTheta ?? RopeParameters?.RopeTheta ?? 10000;
    [JsonIgnore] public override int ContextWindow => MaxPositionEmbeddings;

    public override void Validate(string path)
    {
        Require(VocabSize > 0, path, "vocab_size", "must be positive");
        Require(HiddenSize > 0 && IntermediateSize > 0 && NumHiddenLayers > 0, path, "hidden_size/intermediate_size/num_hidden_layers", "must be positive");
        Require(NumAttentionHeads > 0 && (HeadDim is not null || HiddenSize % NumAttentionHeads == 0), path, "num_attention_heads", $"({NumAttentionHeads}) must divide hidden_size ({HiddenSize})");
        Require(KeyValueHeads > 0 && NumAttentionHeads % KeyValueHeads == 0, path, "num_key_value_heads", $"({KeyValueHeads}) must divide num_attention_heads ({NumAttentionHeads})");
        Require(HeadDimension % 2 == 0, path, "head_dim", $"({HeadDimension}) must be even for rotary embeddings");
        Require(HiddenAct is "silu" or "swish", path, "hidden_act", $"'{HiddenAct}' is not supported (only silu)");
        var scaling = RopeScaling ?? RopeParameters;
        Require(scaling?.Type is null or "default" or "linear" or "llama3", path, "rope_scaling", $"type '{scaling?.Type}' is not supported (default, linear, llama3)");
    }

    /// <summary>RoPE's inverse frequencies θ^(−2i/d), adjusted by <c>rope_scaling</c> (linear, llama3) as HF does.</summary>
    internal double[] InverseFrequencies()
    {
        var d = HeadDimension;
        var inv = Enumerable.Range(0, d / 2).Select(i => 1.0 / Math.Pow(Theta, 2.0 * i / d)).ToArray();
        var scaling = RopeScaling ?? RopeParameters;
        switch (scaling?.Type)
        {
            case "linear":
                return inv.Select(f => f / scaling.Factor).ToArray();
            case "llama3":
                var old = scaling.OriginalMaxPositionEmbeddings ?? 8192;
                var (low, high) = (scaling.LowFreqFactor ?? 1, scaling.HighFreqFactor ?? 4);
                var (lowWavelength, highWavelength) = (old / low, old / high);
                return inv.Select(f =>
                {
                    var wavelength = 2 * Math.PI / f;
                    if (wavelength < highWavelength) return f;
                    if (wavelength > lowWavelength) return f / scaling.Factor;
                    var smooth = (old / wavelength - low) / (high - low);
                    return (1 - smooth) * f / scaling.Factor + smooth * f;
                }).ToArray();
            default:
                return inv;
        }
    }
}

/// <summary>config.json's <c>rope_scaling</c> (or transformers 5's <c>rope_parameters</c>).</summary>
public sealed record RopeScaling
{
    [JsonPropertyName("rope_type")] public string? RopeType { get; init; }
    [JsonPropertyName("type")] public string? LegacyType { get; init; }
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; init; }
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1;
    [JsonPropertyName("low_freq_factor")] public double? LowFreqFactor { get; init; }
    [JsonPropertyName("high_freq_factor")] public double? HighFreqFactor { get; init; }
    [JsonPropertyName("original_max_position_embeddings")] public int? OriginalMaxPositionEmbeddings { get; init; }
    [JsonExtensionData] public Dictionary<string, System.Text.Json.JsonElement>? Extra { get; init; }
    [JsonIgnore] public string? Type => RopeType ?? LegacyType;
}

/// <summary>RMSNorm: <c>weight · x / √(mean(x²) + ε)</c>, the statistics in float32 whatever the weights' dtype.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = x.to(ScalarType.Float32);
        h = h.mul(h.pow(2).mean([-1], keepdim: true).add_(_eps).rsqrt_());
        return weight.mul(h.to(x.dtype));
    }
}

/// <summary>Rotary position embedding with HF's half-split layout: the pair of dimension i is i + d/2 (<c>rotate_half</c>).</summary>
internal static class Rope
{
    /// <summary>cos and sin <c>[batch, 1, seq, head_dim]</c> for <paramref name="positions"/> <c>[batch, seq]</c>, computed in float32.</summary>
    public static (Tensor Cos, Tensor Sin) Angles(Tensor positions, double[] inverseFrequencies, ScalarType dtype)
    {
        var inv = tensor(inverseFrequencies.Select(f => (float)f).ToArray(), device: positions.device);
        var freqs = positions.to(ScalarType.Float32).unsqueeze(-1).mul(inv);
        var emb = cat([freqs, freqs], -1).unsqueeze(1);
        return (emb.cos().to(dtype), emb.sin().to(dtype));
    }

    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return x.mul(cos).add_(rotated.mul_(sin));
    }
}

/// <summary>Grouped-query self-attention: <c>num_key_value_heads</c> key/value heads, each shared by a group of query heads.</summary>
public sealed class LlamaAttention : nn.Module
{
    public Projection q_proj;
    public Projection k_proj;
    public Projection v_proj;
    public Projection o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly double _dropout;

    public LlamaAttention(LlamaConfig c) : base(nameof(LlamaAttention))
    {
        (_heads, _kvHeads, _headDim, _dropout) = (c.NumAttentionHeads, c.KeyValueHeads, c.HeadDimension, c.AttentionDropout);
        q_proj = new Projection(c.HiddenSize, _heads * _headDim, c.QkvBias);
        k_proj = new Projection(c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        v_proj = new Projection(c.HiddenSize, _kvHeads * _headDim, c.QkvBias);
        o_proj = new Projection(_heads * _headDim, c.HiddenSize, c.OutputBias);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, int layer)
    {
        var (batch, seq) = (x.shape[0], x.shape[1]);
        var q = q_proj.forward(x).view(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        q = Rope.Apply(q, cos, sin);
        k = Rope.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);
        if (_kvHeads != _heads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, 1);
            v = v.repeat_interleave(_heads / _kvHeads, 1);
        }

        var y = nn.functional.scaled_dot_product_attention(q, k, v, mask, training ? _dropout : 0, mask is null && seq > 1);
        return o_proj.forward(y.transpose(1, 2).reshape(batch, seq, _heads * _headDim));
    }
}

/// <summary>SwiGLU: <c>down(silu(gate(x)) · up(x))</c>.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public Projection gate_proj;
    public Projection up_proj;
    public Projection down_proj;

    public LlamaMlp(LlamaConfig c) : base(nameof(LlamaMlp))
    {
        gate_proj = new Projection(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        up_proj = new Projection(c.HiddenSize, c.IntermediateSize, c.MlpBias);
        down_proj = new Projection(c.IntermediateSize, c.HiddenSize, c.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down_proj.forward(nn.functional.silu(gate_proj.forward(x)).mul_(up_proj.forward(x)));
}

/// <summary>One pre-norm block: <c>h = x + attn(norm(x))</c>, <c>out = h + mlp(norm(h))</c>.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    public LlamaAttention self_attn;
    public LlamaMlp mlp;
    public RmsNorm input_layernorm;
    public RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LlamaConfig c) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(c);
        mlp = new LlamaMlp(c);
        input_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        post_attention_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, int layer)
    {
        var h = x.add(self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache, layer));
        return h.add(mlp.forward(post_attention_layernorm.forward(h)));
    }
}

/// <summary>The decoder stack (<c>model.*</c> in checkpoints): embeddings, blocks, final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    public Embedding embed_tokens;
    public ModuleList<LlamaDecoderLayer> layers;
    public RmsNorm norm;
    private readonly double[] _inverseFrequencies;

    public LlamaModel(LlamaConfig c) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new LlamaDecoderLayer(c)).ToArray());
        norm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _inverseFrequencies = c.InverseFrequencies();
        RegisterComponents();
    }

    /// <summary>Final hidden states <c>[batch, seq, hidden]</c>.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache)
    {
        var (past, seq) = (cache?.Length ?? 0, inputIds.shape[1]);
        AttentionMask.Check(attentionMask, inputIds, past);
        var x = embed_tokens.forward(inputIds);
        var (cos, sin) = Rope.Angles(AttentionMask.Positions(attentionMask, past, seq, x.device), _inverseFrequencies, x.dtype);
        var mask = AttentionMask.For(attentionMask, past, seq, x.device);
        for (var i = 0; i < layers.Count; i++) x = layers[i].Forward(x, cos, sin, mask, cache, i);
        cache?.Advance(seq);
        return norm.forward(x);
    }
}

/// <summary><c>LlamaForCausalLM</c>: the decoder stack and an LM head, tied to the input embeddings when <c>tie_word_embeddings</c>.</summary>
public sealed class Llama : CausalLanguageModel
{
    public LlamaModel model;
    public Projection? lm_head;
    private readonly LlamaConfig _config;

    public Llama(LlamaConfig config) : base(nameof(Llama))
    {
        _config = config;
        model = new LlamaModel(config);
        lm_head = config.TieWordEmbeddings ? null : new Projection(config.HiddenSize, config.VocabSize);
        RegisterComponents();
    }

    public override string Architecture => "llama";
    public override ModelConfig Config => _config;
    public override IReadOnlyList<string> DefaultLoraTargets { get; } = ["q_proj", "v_proj"];
    public override int LayerCount => _config.NumHiddenLayers;

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        var hidden = model.Forward(inputIds, attentionMask, cache);
        return AsFloat32(lm_head is null ? nn.functional.linear(hidden, model.embed_tokens.weight!) : lm_head.forward(hidden));
    }

    /// <summary>HF's <c>_init_weights</c>: linear maps and embeddings N(0, initializer_range), biases 0, norms 1.</summary>
    public override void InitializeWeights(Generator generator)
    {
        using var noGrad = no_grad();
        var std = _config.InitializerRange;
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Projection p:
                    p.weight.normal_(0, std, generator);
                    p.bias?.zero_();
                    break;
                case Embedding e:
                    e.weight!.normal_(0, std, generator);
                    if (_config.PadTokenId is int pad && pad >= 0 && pad < _config.VocabSize) e.weight[pad].zero_();
                    break;
                case RmsNorm n:
                    n.weight.fill_(1.0);
                    break;
            }
        }
    }
}
