using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Generation;

/// <summary>Chooses the next token of each row from its logits: argmax, or a draw after temperature, top-k and top-p.</summary>
internal static class TokenSampler
{
    /// <summary>The next token ids for <paramref name="logits"/> <c>[batch, vocab]</c>; draws use <paramref name="generator"/> on the CPU.</summary>
    public static long[] Next(Tensor logits, GenerationOptions options, Generator? generator)
    {
        if (options.IsGreedy || generator is null) return logits.argmax(-1).cpu().data<long>().ToArray();

        var scores = logits.to(ScalarType.Float32).div(options.Temperature);
        var vocab = scores.shape[^1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kth = scores.topk(options.TopK, -1).values.narrow(-1, options.TopK - 1, 1);
            scores = scores.masked_fill(scores.lt(kth), double.NegativeInfinity);
        }

        if (options.TopP < 1)
        {
            var (sorted, order) = scores.sort(-1, descending: true);
            var probabilities = sorted.softmax(-1);
            // Drop a token once the more likely ones already reach p; the most likely is always kept.
            var before = probabilities.cumsum(-1).sub(probabilities);
            sorted = sorted.masked_fill(before.ge(options.TopP), double.NegativeInfinity);
            scores = full_like(scores, double.NegativeInfinity).scatter(-1, order, sorted);
        }

        var draw = scores.softmax(-1).cpu().multinomial(1, generator: generator);
        return draw.view(-1).data<long>().ToArray();
    }
}
