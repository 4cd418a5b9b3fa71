using System.Collections.Concurrent;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>
/// A GGUF file run by llama.cpp (through LLamaSharp's CPU build) on one sequence: its tokenizer, greedy generation and
/// next-token logits, so what llama.cpp computes can be compared with TorchSharp and timed. The key/value cache is
/// kept in float32 so differences come from the weights, not from a float16 cache. llama.cpp's log is kept quiet; its
/// errors explain a failed load.
/// </summary>
public sealed class LlamaCppModel : IDisposable
{
    private static readonly ConcurrentQueue<string> Errors = new();
    private static readonly Lazy<bool> QuietLog = new(() =>
    {
        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level != LLamaLogLevel.Error) return;
            Errors.Enqueue(message.Trim());
            while (Errors.Count > 20) Errors.TryDequeue(out _);
        });
        return true;
    });

    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    private LlamaCppModel(LLamaWeights weights, LLamaContext context) => (_weights, _context) = (weights, context);

    /// <summary>Tokens in the model's vocabulary.</summary>
    public int VocabSize => _weights.Vocab.Count;

    /// <summary>The longest sequence, prompt plus new tokens, this instance runs.</summary>
    public int ContextSize => (int)_context.ContextSize;

    /// <summary>
    /// Loads <paramref name="path"/>, checking it with <see cref="GgufReader"/> first; a file llama.cpp refuses gives a
    /// <see cref="ModelFormatException"/> naming it, with llama.cpp's reason.
    /// </summary>
    public static LlamaCppModel Load(string path, int contextSize = 512, int threads = 1)
    {
        GgufReader.Read(path);
        _ = QuietLog.Value;
        Errors.Clear();
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (LoadWeightsFailedException)
        {
            var reason = string.Join("; ", Errors);
            throw new ModelFormatException($"llama.cpp cannot load {path}{(reason.Length > 0 ? $": {reason}" : "")}", "export the model to GGUF again; llama.cpp reads the llama and gpt2 architectures this export writes");
        }

        return new LlamaCppModel(weights, weights.CreateContext(parameters));
    }

    /// <summary>The token ids of <paramref name="text"/>, without BOS; special-token text maps to its id, as <see cref="TextTokenizer.Encode"/> does.</summary>
    public int[] Tokenize(string text) => _context.Tokenize(text, addBos: false, special: true).Select(t => (int)t).ToArray();

    /// <summary>The logits of the token after <paramref name="prompt"/>.</summary>
    public float[] NextTokenLogits(IReadOnlyList<int> prompt)
    {
        Start(prompt);
        return _context.NativeHandle.GetLogitsIth(prompt.Count - 1).ToArray();
    }

    /// <summary>
    /// <paramref name="newTokens"/> tokens after <paramref name="prompt"/>, each the most likely (the lowest id on a
    /// tie); end-of-sequence does not stop it, so runs compare token for token.
    /// </summary>
    /// <summary>
    /// Next-token logits at every position of <paramref name="ids"/>, row-major <c>[ids.Count, vocab]</c>, from one
    /// batch: what a perplexity or a comparison with another runtime's logits needs.
    /// </summary>
    public float[] LogitsAtEveryPosition(IReadOnlyList<int> ids)
    {
        if (ids.Count == 0 || ids.Count > ContextSize) throw new ArgumentException($"{ids.Count} tokens do not fit the context of {ContextSize}", nameof(ids));
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (var i = 0; i < ids.Count; i++) batch.Add(ids[i], i, LLamaSeqId.Zero, true);
        Decode(batch);
        var logits = new float[ids.Count * VocabSize];
        for (var i = 0; i < ids.Count; i++) _context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan(i * VocabSize, VocabSize));
        return logits;
    }

    public int[] GenerateGreedy(IReadOnlyList<int> prompt, int newTokens)
    {
        if (prompt.Count + newTokens > ContextSize)
            throw new ArgumentException($"{prompt.Count} prompt tokens and {newTokens} new ones do not fit the context of {ContextSize}");
        Start(prompt);
        var logitsAt = prompt.Count - 1;
        var generated = new int[newTokens];
        var batch = new LLamaBatch();
        for (var i = 0; i < newTokens; i++)
        {
            generated[i] = ArgMax(_context.NativeHandle.GetLogitsIth(logitsAt));
            if (i == newTokens - 1) break;
            batch.Clear();
            batch.Add(generated[i], prompt.Count + i, LLamaSeqId.Zero, true);
            Decode(batch);
            logitsAt = 0;
        }

        return generated;
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    /// <summary>Forgets earlier sequences and runs <paramref name="prompt"/>, asking for the last position's logits.</summary>
    private void Start(IReadOnlyList<int> prompt)
    {
        if (prompt.Count == 0) throw new ArgumentException("a prompt needs at least one token", nameof(prompt));
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (var i = 0; i < prompt.Count; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        Decode(batch);
    }

    private void Decode(LLamaBatch batch)
    {
        var result = _context.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp could not decode a batch of {batch.TokenCount} tokens ({result})");
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }

        return best;
    }
}
