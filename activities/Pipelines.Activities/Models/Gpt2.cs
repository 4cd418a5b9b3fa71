using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

// GPT-2, read top to bottom: config → attention → MLP → block → transformer → LM head (tied to wte).
// Its linear maps are Conv1D in HF: weights stored (in, out), hence Projection(fanInFanOut: true).

/// <summary>config.json of <c>GPT2LMHeadModel</c>; defaults are HF's.</summary>
public sealed record Gpt2Config : ModelConfig
{
    [JsonPropertyName("n_embd")] public int NEmbd { get; init; } = 768;
    [JsonPropertyName("n_head")] public int NHead { get; init; } = 12;
    [JsonPropertyName("n_layer")] public int NLayer { get; init; } = 12;
    [JsonPropertyName("n_positions")] public int NPositions { get; init; } = 1024;
    /// <summary>The MLP's width; absent: 4 × n_embd.</summary>
    [JsonPropertyName("n_inner")] public int? NInner { get; init; }
    [JsonPropertyName("activation_function")] public string ActivationFunction { get; init; } = "gelu_new";
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;
    [JsonPropertyName("resid_pdrop")] public double ResidPdrop { get; init; } = 0.1;
    [JsonPropertyName("embd_pdrop")] public double EmbdPdrop { get; init; } = 0.1;
    [JsonPropertyName("attn_pdrop")] public double AttnPdrop { get; init; } = 0.1;
    [JsonPropertyName("scale_attn_weights")] public bool ScaleAttnWeights { get; init; } = true;
    [JsonPropertyName("scale_attn_by_inverse_layer_idx")] public bool ScaleAttnByInverseLayerIdx { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;

    [JsonIgnore] public int Inner => NInner ?? 4 * NEmbd;
    [JsonIgnore] public override int ContextWindow => NPositions;

    public override void Validate(string path)
    {
        Require(VocabSize > 0, path, "vocab_size", "must be positive");
        Require(NEmbd > 0 && NLayer > 0 && NPositions > 0 && Inner > 0, path, "n_embd/n_layer/n_positions/n_inner", "must be positive");
        Require(NHead > 0 && NEmbd % NHead == 0, path, "n_head", $"({NHead}) must divide n_embd ({NEmbd})");
        Require(ActivationFunction is "gelu_new" or "gelu_pytorch_tanh" or "gelu" or "relu" or "silu" or "swish", path, "activation_function",
            $"'{ActivationFunction}' is not supported (gelu_new, gelu_pytorch_tanh, gelu, relu, silu)");
        Require(ScaleAttnWeights && !ScaleAttnByInverseLayerIdx, path, "scale_attn_weights/scale_attn_by_inverse_layer_idx", "must be true/false (other attention scalings are not supported)");
        Require(TieWordEmbeddings, path, "tie_word_embeddings", "must be true: GPT-2's LM head is its token embedding");
    }
}

/// <summary>Causal self-attention; q, k and v come from one Conv1D, <c>c_attn</c> (n_embd → 3·n_embd).</summary>
public sealed class Gpt2Attention : nn.Module
{
    public Projection c_attn;
    public Projection c_proj;
    private readonly int _heads;
    private readonly int _embd;
    private readonly double _attnDropout;
    private readonly double _residDropout;

    public Gpt2Attention(Gpt2Config c) : base(nameof(Gpt2Attention))
    {
        (_heads, _embd, _attnDropout, _residDropout) = (c.NHead, c.NEmbd, c.AttnPdrop, c.ResidPdrop);
        c_attn = new Projection(c.NEmbd, 3 * c.NEmbd, hasBias: true, fanInFanOut: true);
        c_proj = new Projection(c.NEmbd, c.NEmbd, hasBias: true, fanInFanOut: true);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask, KvCache? cache, int layer)
    {
        var (batch, seq, headDim) = (x.shape[0], x.shape[1], _embd / _heads);
        var qkv = c_attn.forward(x).split(_embd, 2);
        var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
        if (cache is not null) (k, v) = cache.Append(layer, k, v);
        var y = nn.functional.scaled_dot_product_attention(q, k, v, mask, training ? _attnDropout : 0, mask is null && seq > 1);
        y = c_proj.forward(y.transpose(1, 2).reshape(batch, seq, _embd));
        return nn.functional.dropout(y, _residDropout, training);

        Tensor Heads(Tensor t) => t.view(batch, seq, _heads, headDim).transpose(1, 2);
    }
}

/// <summary><c>c_proj(act(c_fc(x)))</c>, act "gelu_new" (GELU, tanh approximation) in GPT-2.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    public Projection c_fc;
    public Projection c_proj;
    private readonly string _activation;
    private readonly double _dropout;

    public Gpt2Mlp(Gpt2Config c) : base(nameof(Gpt2Mlp))
    {
        (_activation, _dropout) = (c.ActivationFunction, c.ResidPdrop);
        c_fc = new Projection(c.NEmbd, c.Inner, hasBias: true, fanInFanOut: true);
        c_proj = new Projection(c.Inner, c.NEmbd, hasBias: true, fanInFanOut: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = c_fc.forward(x);
        h = _activation switch
        {
            "gelu" => nn.functional.gelu(h),
            "relu" => nn.functional.relu(h),
            "silu" or "swish" => nn.functional.silu(h),
            _ => nn.functional.gelu(h, GELU.Approximate.tanh),
        };
        return nn.functional.dropout(c_proj.forward(h), _dropout, training);
    }
}

/// <summary>One pre-norm block: <c>h = x + attn(ln_1(x))</c>, <c>out = h + mlp(ln_2(h))</c>.</summary>
public sealed class Gpt2Block : nn.Module
{
    public LayerNorm ln_1;
    public Gpt2Attention attn;
    public LayerNorm ln_2;
    public Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config c) : base(nameof(Gpt2Block))
    {
        ln_1 = nn.LayerNorm(c.NEmbd, c.LayerNormEpsilon);
        attn = new Gpt2Attention(c);
        ln_2 = nn.LayerNorm(c.NEmbd, c.LayerNormEpsilon);
        mlp = new Gpt2Mlp(c);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? mask, KvCache? cache, int layer)
    {
        var h = x.add(attn.Forward(ln_1.forward(x), mask, cache, layer));
        return h.add(mlp.forward(ln_2.forward(h)));
    }
}

/// <summary>The decoder stack (<c>transformer.*</c> in checkpoints): token and learned position embeddings, blocks, final norm.</summary>
public sealed class Gpt2Model : nn.Module
{
    public Embedding wte;
    public Embedding wpe;
    public ModuleList<Gpt2Block> h;
    public LayerNorm ln_f;
    private readonly Gpt2Config _config;

    public Gpt2Model(Gpt2Config c) : base(nameof(Gpt2Model))
    {
        _config = c;
        wte = nn.Embedding(c.VocabSize, c.NEmbd);
        wpe = nn.Embedding(c.NPositions, c.NEmbd);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, c.NLayer).Select(_ => new Gpt2Block(c)).ToArray());
        ln_f = nn.LayerNorm(c.NEmbd, c.LayerNormEpsilon);
        RegisterComponents();
    }

    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache)
    {
        var (past, seq) = (cache?.Length ?? 0, inputIds.shape[1]);
        AttentionMask.Check(attentionMask, inputIds, past);
        if (past + seq > _config.NPositions)
        {
            throw new ArgumentException($"{past + seq} tokens do not fit GPT-2's {_config.NPositions} learned positions (n_positions)");
        }

        var positions = AttentionMask.Positions(attentionMask, past, seq, inputIds.device);
        var x = nn.functional.dropout(wte.forward(inputIds).add(wpe.forward(positions)), _config.EmbdPdrop, training);
        var mask = AttentionMask.For(attentionMask, past, seq, x.device);
        for (var i = 0; i < h.Count; i++) x = h[i].Forward(x, mask, cache, i);
        cache?.Advance(seq);
        return ln_f.forward(x);
    }
}

/// <summary><c>GPT2LMHeadModel</c>: the transformer and an LM head that is the token embedding (<c>wte</c>) transposed.</summary>
public sealed class Gpt2 : CausalLanguageModel
{
    private const string Prefix = "transformer.";
    public Gpt2Model transformer;
    private readonly Gpt2Config _config;

    public Gpt2(Gpt2Config config) : base(nameof(Gpt2))
    {
        _config = config;
        transformer = new Gpt2Model(config);
        RegisterComponents();
    }

    public override string Architecture => "gpt2";
    public override ModelConfig Config => _config;
    public override IReadOnlyList<string> DefaultLoraTargets { get; } = ["c_attn"];
    public override int LayerCount => _config.NLayer;

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null) =>
        AsFloat32(nn.functional.linear(transformer.Forward(inputIds, attentionMask, cache), transformer.wte.weight!));

    /// <summary>Checkpoints saved from <c>GPT2Model</c> (and OpenAI's conversion) have no <c>transformer.</c> prefix.</summary>
    internal override string? FindKey(string name, Func<string, bool> exists) =>
        exists(name) ? name
        : name.StartsWith(Prefix, StringComparison.Ordinal) && exists(name[Prefix.Length..]) ? name[Prefix.Length..]
        : null;

    /// <summary>
    /// HF's <c>_init_weights</c>: Conv1D and embeddings N(0, initializer_range), biases 0, LayerNorms 1/0, and the
    /// residual projections (<c>c_proj</c>) N(0, initializer_range / √(2·n_layer)) as the GPT-2 paper scales them.
    /// </summary>
    public override void InitializeWeights(Generator generator)
    {
        using var noGrad = no_grad();
        var std = _config.InitializerRange;
        foreach (var (name, module) in named_modules())
        {
            switch (module)
            {
                case Projection p:
                    p.weight.normal_(0, name.EndsWith("c_proj", StringComparison.Ordinal) ? std / Math.Sqrt(2.0 * _config.NLayer) : std, generator);
                    p.bias?.zero_();
                    break;
                case Embedding e:
                    e.weight!.normal_(0, std, generator);
                    break;
                case LayerNorm n:
                    n.weight!.fill_(1.0);
                    n.bias!.zero_();
                    break;
            }
        }
    }
}
