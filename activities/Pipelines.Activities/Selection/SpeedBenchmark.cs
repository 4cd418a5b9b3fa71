using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Times generation one prompt at a time (batch 1, greedy, the key/value cache on), as a single user would see it.
/// Each prompt gets exactly the asked number of new tokens: end-of-text does not stop it, so every model does the same
/// work. A warm-up generation of the first prompt runs first and is not counted; each figure is the median over the
/// prompts (time to the first token, mean time per later token, new tokens per second of the whole generation).
/// </summary>
public static class SpeedBenchmark
{
    public static SpeedMeasurement Measure(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyList<string> prompts, int newTokens, TimeProvider time, CancellationToken ct)
    {
        if (prompts.Count == 0) throw new ArgumentException("at least one prompt is needed to time a model", nameof(prompts));
        newTokens = Math.Clamp(newTokens, 2, Math.Max(2, model.ContextWindow - 2));
        var options = new GenerationOptions { MaxNewTokens = newTokens, Greedy = true };
        var noStop = new HashSet<int>();
        var ids = prompts.Select(p => Ids(tokenizer, p, model.ContextWindow - newTokens)).ToList();
        TextGenerator.GenerateIds(model, [ids[0]], options, noStop, tokenizer.PadId, ct: ct); // warm-up: first-call costs of libtorch and .NET

        var firstTokenMs = new List<double>();
        var perTokenMs = new List<double>();
        var tokensPerSecond = new List<double>();
        var tokens = 0;
        foreach (var prompt in ids)
        {
            ct.ThrowIfCancellationRequested();
            var stamps = new List<long>(newTokens);
            var start = time.GetTimestamp();
            TextGenerator.GenerateIds(model, [prompt], options, noStop, tokenizer.PadId, (_, _) =>
            {
                stamps.Add(time.GetTimestamp());
                return false;
            }, ct);
            var seconds = time.GetElapsedTime(start).TotalSeconds;
            if (stamps.Count == 0) continue;
            firstTokenMs.Add(time.GetElapsedTime(start, stamps[0]).TotalMilliseconds);
            if (stamps.Count > 1) perTokenMs.Add(time.GetElapsedTime(stamps[0], stamps[^1]).TotalMilliseconds / (stamps.Count - 1));
            tokensPerSecond.Add(seconds > 0 ? stamps.Count / seconds : 0);
            tokens += stamps.Count;
        }

        return new SpeedMeasurement(Median(firstTokenMs), Median(perTokenMs), Median(tokensPerSecond), tokens);
    }

    /// <summary>The middle value (the mean of the middle two for an even count); 0 for none. A stray slow prompt (a GC, a busy core) does not move it.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The prompt's ids, keeping the end (and BOS) when more than <paramref name="limit"/>.</summary>
    private static int[] Ids(TextTokenizer tokenizer, string prompt, int limit)
    {
        var ids = TextGenerator.PromptIds(tokenizer, prompt);
        limit = Math.Max(1, limit);
        if (ids.Length <= limit) return ids;
        return tokenizer.AddBos && tokenizer.BosId is int bos ? [bos, .. ids[^(limit - 1)..]] : ids[^limit..];
    }
}
