using System.Diagnostics;
using Pipelines.Activities.Models.Export.Gguf;

namespace Pipelines.Bench.Deploy;

/// <summary>One-stream greedy decode speed of a GGUF file in llama.cpp: new tokens per second, one token per step.</summary>
public sealed record LlamaCppDecodeResult(string Path, int Threads, int NewTokens, TimeSpan Elapsed)
{
    public double TokensPerSecond => NewTokens / Elapsed.TotalSeconds;
}

/// <summary>
/// Times llama.cpp decoding <c>newTokens</c> tokens greedily after a one-token prompt, so every step runs one token
/// (the decode regime of a chat reply, not prompt processing), after a warm-up generation that pages the weights in
/// and sizes llama.cpp's buffers. The key/value cache is float32 as in <see cref="LlamaCppModel"/>.
/// </summary>
public static class LlamaCppDecodeBenchmark
{
    public static LlamaCppDecodeResult Measure(string ggufPath, int threads, int newTokens = 128, int warmupTokens = 16)
    {
        using var model = LlamaCppModel.Load(ggufPath, contextSize: newTokens + 1, threads: threads);
        int[] prompt = [model.Tokenize("Dear")[0]];
        model.GenerateGreedy(prompt, warmupTokens);
        var clock = Stopwatch.StartNew();
        model.GenerateGreedy(prompt, newTokens);
        return new LlamaCppDecodeResult(ggufPath, threads, newTokens, clock.Elapsed);
    }
}
