using System.Diagnostics;
using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Bench.Deploy;

/// <summary>
/// One-stream greedy decode speed of an ONNX export in ONNX Runtime: a warm-up generation (session start-up, kernel
/// selection and allocations are paid there), then <see cref="NewTokens"/> tokens generated after a short prompt.
/// The figure counts the prompt's single prefill pass in the time, which over 128 steps weighs less than one step in
/// a hundred; it is what a user waiting for a reply sees.
/// </summary>
public static class OnnxDecodeBenchmark
{
    public const int NewTokens = 128;

    /// <summary>Greedy tokens per second of the export in <paramref name="exportFolder"/> (never stopping at EOS).</summary>
    public static double TokensPerSecond(string exportFolder, OnnxDecoderOptions? options = null)
    {
        using var decoder = OnnxDecoder.Open(exportFolder, options);
        int[] prompt = [.. Enumerable.Range(1, 8).Select(i => i % decoder.VocabSize)];
        decoder.Generate(prompt, 16);
        var clock = Stopwatch.StartNew();
        var generated = decoder.Generate(prompt, NewTokens);
        clock.Stop();
        return generated.Length / clock.Elapsed.TotalSeconds;
    }
}
