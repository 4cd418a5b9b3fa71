using TorchSharp;
using TorchSharp.Modules;
using Pipelines.Activities.Adapters;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// Every learned linear map of our transformers: <c>y = x·Wᵀ + b</c> with <c>weight</c> stored <c>(out, in)</c> as
/// <c>nn.Linear</c> does, or, for GPT-2's Conv1D, <c>y = x·W + b</c> with <c>weight</c> stored <c>(in, out)</c>
/// (<see cref="FanInFanOut"/>). The parameter names are the checkpoint's (<c>weight</c>, <c>bias</c>), so a module
/// path plus <c>.weight</c> is the safetensors key. A projection may carry one LoRA adapter, which adds
/// <c>scaling · B·A·dropout(x)</c> until it is merged into the weight.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public Projection(long inFeatures, long outFeatures, bool hasBias = false, bool fanInFanOut = false)
        : base(nameof(Projection))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        FanInFanOut = fanInFanOut;
        weight = new Parameter(fanInFanOut ? empty(inFeatures, outFeatures) : empty(outFeatures, inFeatures));
        bias = hasBias ? new Parameter(zeros(outFeatures)) : null;
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    /// <summary>True where the weight is stored <c>(in, out)</c> (GPT-2's Conv1D); PEFT's <c>fan_in_fan_out</c>.</summary>
    public bool FanInFanOut { get; }

    /// <summary>The attached adapter, registered as the child modules <c>lora_A</c>/<c>lora_B</c> (PEFT's names).</summary>
    public LoraLayer? Lora { get; private set; }

    /// <summary>
    /// Sees every input of <see cref="forward"/> while set: how GPTQ collects a layer's calibration inputs from the
    /// running model. Null (the default) costs one comparison per call.
    /// </summary>
    internal Action<Projection, Tensor>? InputObserver { get; set; }

    public override Tensor forward(Tensor x)
    {
        InputObserver?.Invoke(this, x);
        var y = FanInFanOut
            ? (bias is null ? x.matmul(weight) : x.matmul(weight).add_(bias))
            : nn.functional.linear(x, weight, bias);
        return Lora is { Merged: false } lora ? lora.AddTo(y, x) : y;
    }

    /// <summary>Attaches a fresh adapter (A Kaiming-uniform, B zeros: the wrapped layer's output is unchanged).</summary>
    public LoraLayer AttachLora(int rank, double alpha, double dropout, bool useRsLora, Generator? generator = null)
    {
        if (Lora is not null) throw new InvalidOperationException("This projection already carries a LoRA adapter.");
        Lora = new LoraLayer(this, rank, alpha, dropout, useRsLora, generator);
        Lora.Register(this);
        return Lora;
    }

    /// <summary>Removes the adapter (unmerging it first when merged), leaving the base weights as they were.</summary>
    public void DetachLora()
    {
        if (Lora is null) return;
        if (Lora.Merged) Lora.Unmerge();
        Lora.Unregister(this);
        Lora = null;
    }

    /// <summary>The adapter's update as a weight of this layer's layout: <c>scaling·B·A</c>, transposed for fan-in-fan-out.</summary>
    internal Tensor DeltaWeight(Tensor loraA, Tensor loraB, double scaling)
    {
        var delta = loraB.matmul(loraA).mul(scaling);
        return FanInFanOut ? delta.t() : delta;
    }

    internal void RegisterChild(string name, nn.Module module) => register_module(name, module);

    internal void UnregisterChild(string name) => _internal_submodules.Remove(name);
}
