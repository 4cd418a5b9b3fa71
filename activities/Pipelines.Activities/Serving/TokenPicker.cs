using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using static TorchSharp.torch;

namespace Pipelines.Activities.Serving;

/// <summary>
/// Picks one request's tokens from its row of logits: the greedy choice <see cref="OnnxDecoder.Generate"/> makes, or
/// <see cref="TextGenerator"/>'s sampling (<see cref="TokenSampler"/>) with the request's own generator, so a seed
/// gives the same tokens whichever requests share the batch.
/// </summary>
internal sealed class TokenPicker : IDisposable
{
    private readonly GenerationOptions _options;
    private readonly Generator? _generator;

    public TokenPicker(ServingRequest request)
    {
        _options = new GenerationOptions { Temperature = request.Temperature, TopP = request.TopP, Seed = request.Seed };
        if (!_options.IsGreedy) _generator = new Generator((ulong)(request.Seed ?? Random.Shared.NextInt64()), CPU);
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (_generator is null) return OnnxDecoder.ArgMax(logits);
        using var scope = NewDisposeScope();
        using var row = tensor(logits.ToArray(), [1, logits.Length]);
        return (int)TokenSampler.Next(row, _options, _generator)[0];
    }

    public void Dispose() => _generator?.Dispose();
}
