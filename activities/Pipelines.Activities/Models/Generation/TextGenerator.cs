using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Generation;

/// <summary>
/// Continues prompts with a causal language model, token by token, reusing keys and values through a
/// <see cref="KvCache"/>. Prompts of different lengths run as one batch, left-padded with an attention mask, and
/// each row gets the tokens it would get alone. Runs without autograd (inference mode) and frees each step's
/// tensors, so memory stays flat however long the generation.
/// </summary>
public static class TextGenerator
{
    /// <summary>The new text of each prompt (never the prompt itself), cut before any stop sequence; EOS ends a row.</summary>
    public static IReadOnlyList<string> Generate(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyList<string> prompts, GenerationOptions options, CancellationToken ct = default)
    {
        options.Validate();
        var encoded = prompts.Select(p => PromptIds(tokenizer, p)).ToList();
        bool Stopped(int row, IReadOnlyList<int> ids) =>
            options.StopSequences.Count > 0 && options.StopSequences.Any(tokenizer.Decode(ids).Contains);
        var generated = GenerateIds(model, encoded, options, StopIds(model, tokenizer), tokenizer.PadId, Stopped, ct);
        return generated.Select(ids => CutAtStop(tokenizer.Decode(ids), options.StopSequences)).ToList();
    }

    /// <summary>
    /// The token ids <see cref="Generate"/> feeds for <paramref name="prompt"/>: BOS when the tokenizer adds one, then the
    /// text (an empty text starts from BOS, else EOS). A text that already begins with BOS's text (a chat template's
    /// <c>{{ bos_token }}</c>) keeps that one BOS instead of getting a second.
    /// </summary>
    public static int[] PromptIds(TextTokenizer tokenizer, string prompt)
    {
        var ids = tokenizer.Encode(prompt);
        if (tokenizer.AddBos && tokenizer.BosId is int bos && (ids.Length == 0 || ids[0] != bos)) ids = [bos, .. ids];
        return ids.Length > 0 ? ids : [tokenizer.BosId ?? tokenizer.EosId];
    }

    /// <summary>The tokens that end a row: config.json's <c>eos_token_id</c> (one or several) and the tokenizer's EOS.</summary>
    public static IReadOnlySet<int> StopIds(CausalLanguageModel model, TextTokenizer tokenizer) =>
        new HashSet<int>((model.Config.EosTokenId ?? []).Append(tokenizer.EosId));

    /// <summary>
    /// The new token ids of each prompt (a stop token is not included). A row ends at a token of
    /// <paramref name="stopIds"/>, when <paramref name="isDone"/> says so, or after <see cref="GenerationOptions.MaxNewTokens"/>.
    /// </summary>
    public static IReadOnlyList<int[]> GenerateIds(CausalLanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        IReadOnlySet<int> stopIds, int padId, Func<int, IReadOnlyList<int>, bool>? isDone = null, CancellationToken ct = default)
    {
        options.Validate();
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        var longest = prompts.Max(p => p.Length);
        if (longest >= model.ContextWindow)
        {
            throw new ArgumentException($"a prompt of {longest} tokens leaves no room in the model's context window of {model.ContextWindow} tokens");
        }

        var maxNew = Math.Min(options.MaxNewTokens, model.ContextWindow - longest);
        var rows = prompts.Count;
        var generated = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var finished = new bool[rows];
        var wasTraining = model.training;
        model.eval();
        using var generator = options.IsGreedy ? null : new Generator((ulong)(options.Seed ?? Random.Shared.NextInt64()), CPU);
        using var cache = options.UseCache ? new KvCache(model.LayerCount) : null;
        try
        {
            using var noGrad = no_grad();
            using var inference = inference_mode();
            var device = model.Device;
            // Without a cache the input is every token so far; with one, only the newest column.
            var (input, mask) = LeftPadded(prompts, longest, padId, device);
            try
            {
                for (var step = 0; step < maxNew && !finished.All(f => f); step++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var logits = model.Forward(input, mask, cache);
                    var next = TokenSampler.Next(logits.select(1, -1), options, generator);
                    for (var row = 0; row < rows; row++)
                    {
                        if (finished[row])
                        {
                            next[row] = padId;
                        }
                        else if (stopIds.Contains((int)next[row]))
                        {
                            finished[row] = true;
                        }
                        else
                        {
                            generated[row].Add((int)next[row]);
                            if (isDone?.Invoke(row, generated[row]) == true) finished[row] = true;
                        }
                    }

                    var column = tensor(next, new long[] { rows, 1 }, device: device);
                    var nextInput = cache is null ? cat([input, column], 1) : column;
                    var nextMask = mask is null ? null : cat([mask, ones(rows, 1, ScalarType.Int64, device)], 1);
                    input.Dispose();
                    mask?.Dispose();
                    (input, mask) = (nextInput.DetachFromDisposeScope(), nextMask?.DetachFromDisposeScope());
                }
            }
            finally
            {
                input.Dispose();
                mask?.Dispose();
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }

        return generated.Select(g => g.ToArray()).ToList();
    }

    /// <summary>The prompts as one left-padded batch, and the padding mask (null when every prompt has the same length).</summary>
    private static (Tensor Ids, Tensor? Mask) LeftPadded(IReadOnlyList<int[]> prompts, int length, int padId, Device device)
    {
        var ids = new long[prompts.Count * length];
        var mask = new long[prompts.Count * length];
        for (var row = 0; row < prompts.Count; row++)
        {
            var pad = length - prompts[row].Length;
            for (var i = 0; i < length; i++)
            {
                ids[row * length + i] = i < pad ? padId : prompts[row][i - pad];
                mask[row * length + i] = i < pad ? 0 : 1;
            }
        }

        var padded = prompts.Any(p => p.Length != length);
        return (tensor(ids, new long[] { prompts.Count, length }, device: device).DetachFromDisposeScope(),
            padded ? tensor(mask, new long[] { prompts.Count, length }, device: device).DetachFromDisposeScope() : null);
    }

    private static string CutAtStop(string text, IReadOnlyList<string> stops)
    {
        var cut = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(text.Length).Min();
        return text[..cut];
    }
}
