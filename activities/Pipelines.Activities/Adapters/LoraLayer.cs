using TorchSharp;
using TorchSharp.Modules;
using Pipelines.Activities.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Adapters;

/// <summary>
/// One LoRA adapter on one <see cref="Projection"/>, with PEFT's semantics: <c>lora_A</c> is <c>(r, in)</c> and
/// initialised Kaiming-uniform with a = √5 (as <c>nn.Linear</c>), <c>lora_B</c> is <c>(out, r)</c> and starts at zero, the
/// update is <c>scaling · B(A(dropout(x)))</c> with <c>scaling = alpha / r</c> (rsLoRA: <c>alpha / √r</c>). Adapter weights
/// stay float32 when the base is half precision (PEFT's <c>autocast_adapter_dtype</c>).
/// </summary>
public sealed class LoraLayer
{
    readonly Projection _host;

    internal LoraLayer(Projection host, int rank, double alpha, double dropout, bool useRsLora, Generator? generator)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be at least 1.");
        _host = host;
        Rank = rank;
        Alpha = alpha;
        Scaling = useRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;

        var dtype = host.weight.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? ScalarType.Float32 : host.weight.dtype;
        A = nn.Linear(host.InFeatures, rank, hasBias: false, device: host.weight.device, dtype: dtype);
        B = nn.Linear(rank, host.OutFeatures, hasBias: false, device: host.weight.device, dtype: dtype);
        using (no_grad())
        {
            // kaiming_uniform_(a=√5): gain √(2/(1+5)), bound gain·√(3/fan_in) = 1/√fan_in; drawn from the caller's generator.
            var bound = 1.0 / Math.Sqrt(host.InFeatures);
            A.weight.uniform_(-bound, bound, generator);
            B.weight.zero_();
        }
        DropoutRate = dropout;
    }

    public int Rank { get; }
    public double Alpha { get; }
    public double Scaling { get; }

    /// <summary><c>lora_A</c>: <c>weight</c> shaped <c>(r, in)</c>.</summary>
    public Linear A { get; }

    /// <summary><c>lora_B</c>: <c>weight</c> shaped <c>(out, r)</c>.</summary>
    public Linear B { get; }

    /// <summary>The probability that an input element is zeroed (while training) before <c>lora_A</c>.</summary>
    public double DropoutRate { get; }

    /// <summary>
    /// Where dropout masks come from: the training run's own generator (saved in its checkpoints), so runs in one
    /// process neither share nor disturb the global one; null draws from the global generator.
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>True while the update is folded into the host's weight (and so not added again in forward).</summary>
    public bool Merged { get; private set; }

    internal Tensor AddTo(Tensor y, Tensor x)
    {
        var input = x.dtype == A.weight.dtype ? x : x.to(A.weight.dtype);
        if (DropoutRate > 0 && _host.training)
        {
            var keep = 1 - DropoutRate;
            input = input.mul(empty_like(input).bernoulli_(keep, DropoutGenerator).div_(keep));
        }
        var update = B.forward(A.forward(input)).mul(Scaling);
        return y.add(update.dtype == y.dtype ? update : update.to(y.dtype));
    }

    /// <summary>Folds the update into the host's weight: <c>W += scaling·B·A</c> (transposed for fan-in-fan-out).</summary>
    public void Merge()
    {
        if (Merged) return;
        using (no_grad())
        {
            var delta = _host.DeltaWeight(A.weight, B.weight, Scaling);
            _host.weight.add_(delta.to(_host.weight.dtype));
        }
        Merged = true;
    }

    /// <summary>Takes the update back out of the host's weight; exact up to floating-point rounding.</summary>
    public void Unmerge()
    {
        if (!Merged) return;
        using (no_grad())
        {
            var delta = _host.DeltaWeight(A.weight, B.weight, Scaling);
            _host.weight.sub_(delta.to(_host.weight.dtype));
        }
        Merged = false;
    }

    internal void Register(Projection host)
    {
        host.RegisterChild("lora_A", A);
        host.RegisterChild("lora_B", B);
    }

    internal void Unregister(Projection host)
    {
        host.UnregisterChild("lora_A");
        host.UnregisterChild("lora_B");
    }
}
