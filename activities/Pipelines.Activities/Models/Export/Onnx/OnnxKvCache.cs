using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// The state of sequences running in an <see cref="OnnxDecoder"/>: each layer's keys and values as the last step's
/// <c>present.N.*</c> outputs (fed back as <c>past_key_values.N.*</c>), and the attention mask over every token held,
/// so a caller passes only the new tokens. Owns its ONNX Runtime values.
/// </summary>
public sealed class OnnxKvCache : IDisposable
{
    private readonly OrtValue[] _keys;
    private readonly OrtValue[] _values;
    private long[] _mask = [];

    internal OnnxKvCache(int batch, int layers, int kvHeads, int headSize)
    {
        Batch = batch;
        long[] empty = [batch, kvHeads, 0, headSize];
        _keys = Enumerable.Range(0, layers).Select(_ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), empty)).ToArray();
        _values = Enumerable.Range(0, layers).Select(_ => OrtValue.CreateTensorValueFromMemory(Array.Empty<float>(), empty)).ToArray();
    }

    /// <summary>A cache that takes ownership of given past keys and values (one per layer) and the mask over them.</summary>
    internal OnnxKvCache(int batch, OrtValue[] keys, OrtValue[] values, long[] mask)
    {
        Batch = batch;
        (_keys, _values, _mask) = (keys, values, mask);
        Length = mask.Length / batch;
    }

    public int Batch { get; }

    /// <summary>Positions held per sequence (padding included).</summary>
    public long Length { get; private set; }

    internal OrtValue Key(int layer) => _keys[layer];

    internal OrtValue Value(int layer) => _values[layer];

    /// <summary>The attention mask <c>[batch, Length]</c> over what is held: 0 marks padding.</summary>
    internal long[] Mask => _mask;

    /// <summary>The mask <c>[batch, Length + newTokens]</c>: what is held, then <paramref name="newMask"/> (all ones when null).</summary>
    internal long[] MaskWith(long[]? newMask, int newTokens)
    {
        var total = Length + newTokens;
        var mask = new long[Batch * total];
        for (var b = 0; b < Batch; b++)
        {
            Array.Copy(_mask, b * Length, mask, b * total, Length);
            for (var i = 0; i < newTokens; i++) mask[b * total + Length + i] = newMask?[b * newTokens + i] ?? 1;
        }

        return mask;
    }

    /// <summary>Takes a step's present keys and values as the new past, and its mask as what is held.</summary>
    internal void Advance(long[] mask, IReadOnlyList<OrtValue> keys, IReadOnlyList<OrtValue> values)
    {
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer].Dispose();
            _values[layer].Dispose();
            _keys[layer] = keys[layer];
            _values[layer] = values[layer];
        }

        _mask = mask;
        Length = mask.Length / Batch;
    }

    public void Dispose()
    {
        foreach (var v in _keys.Concat(_values)) v.Dispose();
    }
}
