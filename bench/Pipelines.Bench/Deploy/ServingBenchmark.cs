using System.Diagnostics;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Serving;

namespace Pipelines.Bench.Deploy;

/// <summary>What <see cref="ServingBenchmark.Measure"/> found: total tokens per second both ways and how full the decode batches were.</summary>
public sealed record ServingBenchmarkResult(int Streams, int Tokens, double BatchedTokensPerSecond, double SequentialTokensPerSecond, double MeanDecodeBatch)
{
    public double Speedup => BatchedTokensPerSecond / SequentialTokensPerSecond;
}

/// <summary>
/// Continuous batching against one request at a time on the same export: <c>streams</c> greedy requests (prompts of
/// different lengths) submitted together to a <see cref="ContinuousBatcher"/>, then the same requests one after another
/// through <see cref="OnnxDecoder.Generate"/>. Both stop at EOS, so both produce the very same tokens; the figure is
/// total new tokens over wall time (prefills included), after a warm-up of each path.
/// </summary>
public static class ServingBenchmark
{
    /// <summary>
    /// <c>-- serving --export DIR [--streams 1,4,16] [--tokens 128]</c>: the batcher against one request at a time on an
    /// ONNX export folder (model.quantize's <c>onnx/</c>), a line per stream count and a summary line.
    /// </summary>
    public static int Run(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var export = Arg("--export") ?? throw new ArgumentException("serving needs --export DIR (an ONNX export folder)");
        var streams = (Arg("--streams") ?? "1,4,16").Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var tokens = int.Parse(Arg("--tokens") ?? "128", System.Globalization.CultureInfo.InvariantCulture);
        Pipelines.Activities.Torch.TorchNative.EnsureLoaded();
        Console.WriteLine($"export: {export}; {tokens} new tokens per request; 1 ONNX Runtime thread; {Environment.ProcessorCount} cores");
        var results = streams.Select(n => Measure(export, n, tokens, new OnnxDecoderOptions { IntraOpThreads = 1 })).ToList();
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{r.Streams,3} streams: batched {r.BatchedTokensPerSecond,7:0} tokens/s, one at a time {r.SequentialTokensPerSecond,7:0}, ratio {r.BatchedTokensPerSecond / r.SequentialTokensPerSecond:0.00}, mean decode batch {r.MeanDecodeBatch:0.0}"));
        }

        Console.WriteLine("serving: " + string.Join(", ", results.Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{r.Streams} streams {r.BatchedTokensPerSecond / r.SequentialTokensPerSecond:0.00}x"))));
        return 0;
    }

    public static ServingBenchmarkResult Measure(string exportFolder, int streams, int maxTokens = 128, OnnxDecoderOptions? options = null)
    {
        var tokenizer = TextTokenizer.Load(exportFolder);
        var settings = ContinuousBatcherOptions.ForExport(exportFolder) with { MaxBatchSize = streams, MaxWaiting = streams };
        using var decoder = OnnxDecoder.Open(exportFolder, options);
        var prompts = Enumerable.Range(0, streams)
            .Select(s => Enumerable.Range(0, 8 + s % 24).Select(i => (s * 131 + i * 17 + 1) % decoder.VocabSize).ToArray()).ToList();
        var stopIds = new HashSet<int> { tokenizer.EosId };

        decoder.Generate(prompts[0], 8, stopIds);
        var clock = Stopwatch.StartNew();
        var sequential = prompts.Sum(p => decoder.Generate(p, maxTokens, stopIds).Length);
        var sequentialSeconds = clock.Elapsed.TotalSeconds;

        using var batcher = new ContinuousBatcher(OnnxDecoder.Open(exportFolder, options), tokenizer, settings);
        batcher.Start();
        Run(batcher, prompts.Take(1).ToList(), 8);
        var warmUpPasses = batcher.ForwardPasses.Count;
        clock.Restart();
        var batched = Run(batcher, prompts, maxTokens);
        var batchedSeconds = clock.Elapsed.TotalSeconds;
        if (batched != sequential) throw new InvalidOperationException($"batched requests made {batched} tokens, one at a time {sequential}: greedy results must not depend on batching");

        var decodes = batcher.ForwardPasses.Skip(warmUpPasses).Where(p => !p.Prefill).ToList();
        return new ServingBenchmarkResult(streams, batched, batched / batchedSeconds, sequential / sequentialSeconds, decodes.Count == 0 ? 0 : decodes.Average(p => p.BatchSize));
    }

    /// <summary>Submits every prompt at once and waits for all; returns the tokens they made.</summary>
    private static int Run(ContinuousBatcher batcher, IReadOnlyList<int[]> prompts, int maxTokens)
    {
        var responses = prompts.Select(p => batcher.Submit(new ServingRequest { Prompt = p, MaxTokens = maxTokens, Temperature = 0 }).Response
            ?? throw new InvalidOperationException("the batcher refused a request: its queue is smaller than the streams")).ToList();
        return Task.WhenAll(responses.Select(r => r.Completion)).GetAwaiter().GetResult().Sum(r => r.CompletionTokens);
    }
}
