using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// A decoder-only transformer that maps token ids to next-token logits. Its registered parameter names are the
/// Hugging Face checkpoint keys (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>transformer.h.0.attn.c_attn.weight</c>),
/// and every learned linear map is a <see cref="Projection"/>, so LoRA adapters attach by module name.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's forward(x) and our Forward(ids, mask, cache) are both part of the contract.")]
public abstract class CausalLanguageModel : nn.Module<Tensor, Tensor>
{
    protected CausalLanguageModel(string name) : base(name)
    {
    }

    /// <summary><c>"llama"</c> (also Mistral and Qwen2 checkpoints) or <c>"gpt2"</c>.</summary>
    public abstract string Architecture { get; }

    public abstract ModelConfig Config { get; }

    /// <summary>The module names PEFT targets by default for this architecture (llama: q_proj, v_proj; gpt2: c_attn).</summary>
    public abstract IReadOnlyList<string> DefaultLoraTargets { get; }

    /// <summary>The longest sequence, prompt plus generated tokens, the model is meant for.</summary>
    public int ContextWindow => Config.ContextWindow;

    /// <summary>The number of transformer blocks (one key/value cache entry each).</summary>
    public abstract int LayerCount { get; }

    /// <summary>
    /// Logits <c>[batch, seq, vocab]</c> (float32 whatever the weights' dtype) for <paramref name="inputIds"/> <c>[batch, seq]</c>.
    /// <paramref name="attentionMask"/> <c>[batch, held + seq]</c> marks real tokens with 1 and padding with 0 (left
    /// padding for batched prompts); <paramref name="cache"/> holds earlier positions and receives these.
    /// </summary>
    public abstract Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null);

    public override Tensor forward(Tensor inputIds) => Forward(inputIds);

    /// <summary>The device of the weights.</summary>
    public Device Device => parameters().First().device;

    /// <summary>The dtype of the base weights (adapters may differ).</summary>
    public ScalarType DType => CheckpointTensors().First().Value.dtype;

    /// <summary>
    /// The tensors a checkpoint of this model holds, under their Hugging Face keys: every parameter except LoRA
    /// adapters' (those are saved separately, as PEFT does). Tied output embeddings appear once.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> CheckpointTensors() =>
        named_parameters()
            .Where(p => !p.name.Contains(".lora_", StringComparison.Ordinal))
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter));

    /// <summary>
    /// The checkpoint key that holds parameter <paramref name="name"/>, from the keys a file offers: the same name
    /// unless the architecture accepts another spelling (GPT-2 files with or without <c>transformer.</c>).
    /// </summary>
    internal virtual string? FindKey(string name, Func<string, bool> exists) => exists(name) ? name : null;

    /// <summary>Fresh weights as Hugging Face's <c>_init_weights</c> makes them, drawn from <paramref name="generator"/>.</summary>
    public abstract void InitializeWeights(Generator generator);

    /// <summary>Builds the architecture <paramref name="config"/> describes, with uninitialised weights, on the CPU in float32.</summary>
    public static CausalLanguageModel Create(ModelConfig config) => config switch
    {
        LlamaConfig llama => new Llama(llama),
        Gpt2Config gpt2 => new Gpt2(gpt2),
        _ => throw new ModelFormatException($"model_type '{config.ModelType}' is not supported", $"supported model types are {string.Join(", ", ModelConfig.SupportedModelTypes)}"),
    };

    /// <summary>Logits as float32 (checkpoints in bf16/f16 still give float32 logits to losses and samplers).</summary>
    protected static Tensor AsFloat32(Tensor logits) => logits.dtype == ScalarType.Float32 ? logits : logits.to(ScalarType.Float32);
}
