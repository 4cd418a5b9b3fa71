using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// The Hessian of a linear layer's squared output error with respect to its weights, <c>H = (2/n)·Σ xxᵀ</c> over the
/// <c>n</c> input vectors it has seen (every token of every calibration sequence); GPTQ's only view of the data.
/// </summary>
public sealed class InputHessian(long columns) : IDisposable
{
    private readonly Tensor _sum = zeros(columns, columns);
    private long _count;

    public long Columns { get; } = columns;

    /// <summary>Inputs seen so far.</summary>
    public long Count => _count;

    /// <summary>Adds the input vectors of <paramref name="inputs"/> <c>[..., Columns]</c>.</summary>
    public void Add(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.reshape(-1, Columns).to(ScalarType.Float32).cpu();
        _sum.addmm_(x.t(), x);
        _count += x.shape[0];
    }

    /// <summary>H as a new tensor <c>[Columns, Columns]</c>; zero before any input.</summary>
    public Tensor Hessian() => _count == 0 ? zeros(Columns, Columns) : _sum.mul(2.0 / _count);

    public void Dispose() => _sum.Dispose();
}
