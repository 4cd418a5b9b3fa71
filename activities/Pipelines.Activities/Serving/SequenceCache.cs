using Microsoft.ML.OnnxRuntime;
using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Activities.Serving;

/// <summary>
/// One sequence's keys and values, per layer <c>[kvHeads, length, headSize]</c>, without padding: what lets a
/// sequence leave a batch or join another at any token boundary. <see cref="Batch"/> left-pads several into one
/// <see cref="OnnxKvCache"/> for a decode step and <see cref="Split"/> takes each one's rows back out of the result.
/// </summary>
internal sealed class SequenceCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;

    private SequenceCache(float[][] keys, float[][] values, int length)
    {
        (_keys, _values, Length) = (keys, values, length);
    }

    /// <summary>Positions held (every one a real token).</summary>
    public int Length { get; }

    /// <summary>
    /// The caches of <paramref name="sequences"/> as one batch: each left-padded to the longest with zeros that the
    /// attention mask hides, so every row computes what it would alone.
    /// </summary>
    public static OnnxKvCache Batch(IReadOnlyList<SequenceCache> sequences, OnnxDecoder decoder)
    {
        var (heads, size, batch) = (decoder.KeyValueHeads, decoder.HeadSize, sequences.Count);
        var longest = sequences.Max(s => s.Length);
        var mask = new long[batch * longest];
        for (var b = 0; b < batch; b++) Array.Fill(mask, 1, b * longest + longest - sequences[b].Length, sequences[b].Length);

        OrtValue Padded(Func<SequenceCache, float[]> part)
        {
            var data = new float[batch * heads * longest * size];
            for (var b = 0; b < batch; b++)
            {
                var (source, length) = (part(sequences[b]), sequences[b].Length);
                for (var h = 0; h < heads; h++)
                {
                    Array.Copy(source, h * length * size, data, ((b * heads + h) * longest + longest - length) * size, length * size);
                }
            }

            return OrtValue.CreateTensorValueFromMemory(data, [batch, heads, longest, size]);
        }

        var layers = Enumerable.Range(0, decoder.LayerCount).ToArray();
        return new OnnxKvCache(batch, layers.Select(l => Padded(s => s._keys[l])).ToArray(), layers.Select(l => Padded(s => s._values[l])).ToArray(), mask);
    }

    /// <summary>Row <paramref name="row"/> of <paramref name="cache"/>: its last <paramref name="length"/> positions (the real ones; padding is on the left).</summary>
    public static SequenceCache Split(OnnxKvCache cache, int row, int length, OnnxDecoder decoder)
    {
        var (heads, size, held) = (decoder.KeyValueHeads, decoder.HeadSize, (int)cache.Length);

        float[] Rows(OrtValue value)
        {
            var source = value.GetTensorDataAsSpan<float>();
            var data = new float[heads * length * size];
            for (var h = 0; h < heads; h++)
            {
                source.Slice(((row * heads + h) * held + held - length) * size, length * size).CopyTo(data.AsSpan(h * length * size));
            }

            return data;
        }

        var layers = Enumerable.Range(0, decoder.LayerCount).ToArray();
        return new SequenceCache(layers.Select(l => Rows(cache.Key(l))).ToArray(), layers.Select(l => Rows(cache.Value(l))).ToArray(), length);
    }
}
