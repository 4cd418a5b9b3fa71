using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// The two things a padding mask decides, as Hugging Face decides them, so a left-padded batch gives each row the
/// same numbers it gets alone: which keys a query may see, and each token's position.
/// </summary>
internal static class AttentionMask
{
    /// <summary>
    /// Position ids <c>[batch, seq]</c> of the <paramref name="seq"/> new tokens after <paramref name="past"/> held ones:
    /// counted over real tokens only (<c>cumsum(mask) − 1</c>, pads at 1 as HF does) when a padding mask
    /// <c>[batch, past + seq]</c> is given, else <c>past … past+seq−1</c>.
    /// </summary>
    public static Tensor Positions(Tensor? padding, long past, long seq, Device device)
    {
        if (padding is null) return arange(past, past + seq, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var mask = padding.to(ScalarType.Int64);
        var positions = mask.cumsum(-1, ScalarType.Int64).sub_(1).masked_fill_(mask.eq(0), 1);
        return positions.narrow(1, past, seq);
    }

    /// <summary>
    /// The boolean mask <c>[batch, 1, seq, past+seq]</c> (true: may attend) for scaled-dot-product attention, or null
    /// when plain causal attention (<c>is_causal</c>, or nothing at all for one new token) already says it. A query
    /// always sees itself, so a pad query never has every key masked (which would give NaN); pad outputs are ignored.
    /// </summary>
    public static Tensor? For(Tensor? padding, long past, long seq, Device device)
    {
        if (padding is null && (past == 0 || seq == 1)) return null;
        var queries = arange(past, past + seq, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        var keys = arange(0, past + seq, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var allowed = keys.le(queries).unsqueeze(0).unsqueeze(0);
        if (padding is null) return allowed;
        var real = padding.to(ScalarType.Bool).to(device).unsqueeze(1).unsqueeze(1);
        return allowed.logical_and(real).logical_or(keys.eq(queries).unsqueeze(0).unsqueeze(0));
    }

    /// <summary>Checks a padding mask covers exactly the held and new tokens.</summary>
    public static void Check(Tensor? padding, Tensor inputIds, long past)
    {
        if (padding is null) return;
        if (padding.dim() != 2 || padding.shape[0] != inputIds.shape[0] || padding.shape[1] != past + inputIds.shape[1])
        {
            throw new ArgumentException($"the attention mask is [{string.Join(", ", padding.shape)}] but must be [batch, held + new] = [{inputIds.shape[0]}, {past + inputIds.shape[1]}]");
        }
    }
}
