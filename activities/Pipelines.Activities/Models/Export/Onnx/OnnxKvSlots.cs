using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// Keys and values of up to <see cref="Slots"/> sequences of any lengths, one buffer per layer and part shaped
/// <c>[slots, kvHeads, capacity, headSize]</c> and bound to the graph's past input and present output at once, as
/// vLLM and ONNX Runtime GenAI keep theirs: GroupQueryAttention writes each new token's keys and values in place after
/// the row's own length, so a decode step copies no cache and slots join, leave and run in any company. A step runs on
/// consecutive slots (a view of the buffer, since the slot is the outermost axis); <see cref="Move"/> keeps the running
/// ones consecutive when one leaves. Capacity starts small and doubles up to the context window as sequences grow.
/// The buffers are pinned arrays, so the views never move.
/// </summary>
public sealed class OnnxKvSlots
{
    private const int FirstCapacity = 256;

    private readonly int _kvHeads;
    private readonly int _headSize;
    private float[][] _keys;
    private float[][] _values;

    internal OnnxKvSlots(int slots, int layers, int kvHeads, int headSize, int maxLength)
    {
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), slots, "at least one slot");
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "at least one position");
        (Slots, _kvHeads, _headSize, MaxLength) = (slots, kvHeads, headSize, maxLength);
        Capacity = Math.Min(FirstCapacity, maxLength);
        _keys = Allocate(layers, Capacity);
        _values = Allocate(layers, Capacity);
    }

    public int Slots { get; }

    /// <summary>Positions each slot holds now.</summary>
    public int Capacity { get; private set; }

    /// <summary>The most positions a slot may ever hold (the context window).</summary>
    public int MaxLength { get; }

    /// <summary>Grows every slot to hold <paramref name="positions"/> (doubling, at most <see cref="MaxLength"/>), keeping what the first <paramref name="used"/> slots hold.</summary>
    internal void EnsureCapacity(int positions, int used)
    {
        if (positions <= Capacity) return;
        if (positions > MaxLength) throw new ArgumentOutOfRangeException(nameof(positions), positions, $"a slot holds at most {MaxLength} positions (the context window)");
        var capacity = Capacity;
        while (capacity < positions) capacity = Math.Min(capacity * 2, MaxLength);
        _keys = Grown(_keys, capacity, used);
        _values = Grown(_values, capacity, used);
        Capacity = capacity;
    }

    /// <summary>Copies the first <paramref name="length"/> positions of slot <paramref name="from"/> over slot <paramref name="to"/>, every layer.</summary>
    internal void Move(int from, int to, int length)
    {
        foreach (var buffer in _keys.Concat(_values))
        {
            for (var h = 0; h < _kvHeads; h++)
            {
                buffer.AsSpan(Offset(from, h, Capacity), length * _headSize).CopyTo(buffer.AsSpan(Offset(to, h, Capacity)));
            }
        }
    }

    /// <summary>Slots <c>[first, first + count)</c> of layer <paramref name="layer"/>'s keys as one tensor over the buffer (no copy).</summary>
    internal OrtValue Keys(int layer, int first, int count) => View(_keys[layer], first, count);

    internal OrtValue Values(int layer, int first, int count) => View(_values[layer], first, count);

    private OrtValue View(float[] buffer, int first, int count)
    {
        var offset = Offset(first, 0, Capacity);
        var length = count * _kvHeads * Capacity * _headSize;
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [count, _kvHeads, Capacity, _headSize],
            Marshal.UnsafeAddrOfPinnedArrayElement(buffer, offset), (long)length * sizeof(float));
    }

    private int Offset(int slot, int head, int capacity) => ((slot * _kvHeads) + head) * capacity * _headSize;

    private float[][] Allocate(int layers, int capacity) =>
        Enumerable.Range(0, layers).Select(_ => GC.AllocateArray<float>(Slots * _kvHeads * capacity * _headSize, pinned: true)).ToArray();

    private float[][] Grown(float[][] buffers, int capacity, int used)
    {
        var grown = Allocate(buffers.Length, capacity);
        for (var layer = 0; layer < buffers.Length; layer++)
        {
            for (var slot = 0; slot < used; slot++)
            {
                for (var h = 0; h < _kvHeads; h++)
                {
                    buffers[layer].AsSpan(Offset(slot, h, Capacity), Capacity * _headSize).CopyTo(grown[layer].AsSpan(Offset(slot, h, capacity)));
                }
            }
        }

        return grown;
    }
}
