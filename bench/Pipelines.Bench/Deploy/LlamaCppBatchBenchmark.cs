using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Bench.Deploy;

/// <summary>What <see cref="LlamaCppBatchBenchmark.Measure"/> found: new tokens over wall time, prefill included.</summary>
public sealed record LlamaCppBatchResult(int Sequences, int Tokens, double Seconds)
{
    public double TokensPerSecond => Tokens / Seconds;
}

/// <summary>
/// llama.cpp serving several requests at once, in process (there is no llama-server binary here): one context holding
/// one sequence per prompt, all prompts prefilled in one batch, then one decode step per token over every sequence
/// still running — what llama-server does with its parallel slots, without the HTTP. Greedy; a sequence ends at the
/// end token or after <c>maxTokens</c>, as a served request does. Its cache type and attention kernel are llama.cpp's defaults, as llama-server's are.
/// </summary>
public static class LlamaCppBatchBenchmark
{
    /// <summary>Runs each batch of prompts to its end, one batch after another, after a short warm-up of the first.</summary>
    public static LlamaCppBatchResult Measure(string ggufPath, IReadOnlyList<int[][]> batches, int maxTokens, int endId, int threads)
    {
        NativeLogConfig.llama_log_set((_, _) => { }); // its progress lines would bury the figures
        var sequences = batches.Max(b => b.Length);
        var perSequence = batches.SelectMany(b => b).Max(p => p.Length) + maxTokens;
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)(perSequence * sequences),
            BatchSize = (uint)(perSequence * sequences),
            SeqMax = (uint)sequences,
            KVUnified = false, // a cache stream per sequence: attention reads only its own cells, not every sequence's
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        Generate(context, batches[0], 8, endId);
        var clock = Stopwatch.StartNew();
        var tokens = batches.Sum(b => Generate(context, b, maxTokens, endId));
        return new LlamaCppBatchResult(sequences, tokens, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Runs every prompt to its end together; returns the new tokens made (end tokens included, as usage counts them).</summary>
    private static int Generate(LLamaContext context, IReadOnlyList<int[]> prompts, int maxTokens, int endId)
    {
        context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        var logitsAt = new int[prompts.Count];
        var position = new int[prompts.Count];
        for (var s = 0; s < prompts.Count; s++)
        {
            for (var i = 0; i < prompts[s].Length; i++) logitsAt[s] = batch.Add(prompts[s][i], i, (LLamaSeqId)s, i == prompts[s].Length - 1);
            position[s] = prompts[s].Length;
        }

        var running = Enumerable.Range(0, prompts.Count).ToList();
        var made = new int[prompts.Count];
        var total = 0;
        while (true)
        {
            Decode(context, batch);
            batch.Clear();
            foreach (var s in running.ToList())
            {
                var next = OnnxDecoder.ArgMax(context.NativeHandle.GetLogitsIth(logitsAt[s]));
                made[s]++;
                total++;
                if (next == endId || made[s] == maxTokens)
                {
                    running.Remove(s);
                    continue;
                }

                logitsAt[s] = batch.Add(next, position[s]++, (LLamaSeqId)s, true);
            }

            if (running.Count == 0) return total;
        }
    }

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp could not decode a batch of {batch.TokenCount} tokens ({result})");
    }
}
