using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// The keys and values every attention layer has computed so far, so that decoding one more token costs one token's
/// work. Keys are stored after the rotary embedding and before grouped-query heads are repeated, as
/// <c>[batch, kv_heads, capacity, head_dim]</c>; storage grows by doubling, so a long generation allocates
/// O(log n) times and its memory stays flat between steps. The cache owns its tensors (outside any dispose scope).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>How many positions every layer holds (the tokens seen before the current forward pass).</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Appends this step's keys and values (<c>[batch, kv_heads, new, head_dim]</c>) of layer <paramref name="layer"/> and
    /// returns views of everything held, <c>[batch, kv_heads, Length + new, head_dim]</c>.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values) =>
        (Store(_keys, layer, keys), Store(_values, layer, values));

    /// <summary>Marks <paramref name="tokens"/> new positions as held; called once per forward pass, after every layer appended.</summary>
    public void Advance(long tokens) => Length += tokens;

    private Tensor Store(Tensor?[] storage, int layer, Tensor step)
    {
        var needed = Length + step.shape[2];
        var current = storage[layer];
        if (current is null || current.shape[2] < needed)
        {
            var capacity = Math.Max(needed, current is null ? needed : current.shape[2] * 2);
            var grown = zeros([step.shape[0], step.shape[1], capacity, step.shape[3]], step.dtype, step.device).DetachFromDisposeScope();
            if (current is not null && Length > 0)
            {
                using var held = grown.narrow(2, 0, Length);
                using var old = current.narrow(2, 0, Length);
                held.copy_(old);
            }

            current?.Dispose();
            storage[layer] = current = grown;
        }

        using (var slot = current.narrow(2, Length, step.shape[2]))
        {
            slot.copy_(step);
        }

        return current.narrow(2, 0, needed);
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values)) t?.Dispose();
        Array.Clear(_keys);
        Array.Clear(_values);
        Length = 0;
    }
}
