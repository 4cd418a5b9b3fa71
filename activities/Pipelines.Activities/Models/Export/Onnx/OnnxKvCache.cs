using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// The state of sequences running in an <see cref="OnnxDecoder"/> one call at a time, every row as long as the others:
/// each layer's keys and values as the last step's <c>present.N.*</c> outputs (fed back as <c>past_key_values.N.*</c>),
/// so a caller passes only the new tokens. Owns its ONNX Runtime values. Serving many sequences of different lengths
/// uses <see cref="OnnxKvSlots"/> instead.
/// </summary>
public sealed class OnnxKvCache : IDisposable
{
    private readonly OrtValue[] _keys;
    private readonly OrtValue[] _values;

    internal OnnxKvCache(int batch, int layers, int kvHeads, int headSize)
    {
        Batch = batch;
        long[] empty = [batch, kvHeads, 0, headSize];
        _keys = Enumerable.Range(0, layers).Select(_ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), empty)).ToArray();
        _values = Enumerable.Range(0, layers).Select(_ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), empty)).ToArray();
    }

    public int Batch { get; }

    /// <summary>Positions held per sequence.</summary>
    public int Length { get; private set; }

    internal OrtValue Key(int layer) => _keys[layer];

    internal OrtValue Value(int layer) => _values[layer];

    /// <summary>Takes a step's present keys and values, <paramref name="newTokens"/> longer, as the new past.</summary>
    internal void Advance(int newTokens, IReadOnlyList<OrtValue> keys, IReadOnlyList<OrtValue> values)
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer].Dispose();
            _values[layer].Dispose();
            _keys[layer] = keys[layer];
            _values[layer] = values[layer];
        }

        Length += newTokens;
    }

    public void Dispose()
    {
        foreach (var v in _keys.Concat(_values)) v.Dispose();
    }
}
