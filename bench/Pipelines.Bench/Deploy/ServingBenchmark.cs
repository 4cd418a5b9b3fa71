using System.Diagnostics;
using System.Globalization;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Quantization;
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
/// through <see cref="OnnxDecoder.Generate"/>. Both stop at EOS; the figure is each path's new tokens over its wall time
/// (prefills included), after a warm-up of each. On a trained model both make the same tokens (the batcher's tests
/// hold it to that); on random weights, where logits nearly tie, a kernel's other summing order at another batch size
/// may flip a greedy pick, so the counts can differ a little, and the run says so.
/// </summary>
public static class ServingBenchmark
{
    /// <summary>
    /// <c>-- serving (--export DIR | --preset mini|small|base [--variant int8|fp32]) [--streams 1,4,16] [--tokens 128] [--threads N] [--steps [--past 80]]</c>:
    /// the batcher against one request at a time on an ONNX export folder (model.quantize's <c>onnx/</c>), or on a
    /// random-weights Llama of a preset size exported for the occasion; a line per stream count and a summary line.
    /// <c>--steps</c> times single forward passes instead: a decode step at each batch size and a prefill, so the
    /// model's own cost of a batch is seen without the batcher. <c>--threads</c> is ONNX Runtime's intra-op threads (0,
    /// the default, is its one per core, as the server's).
    /// </summary>
    public static int Run(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Arg(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
        var streams = (Arg("--streams") ?? "1,4,16").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var tokens = Number("--tokens", 128);
        var options = new OnnxDecoderOptions { IntraOpThreads = Number("--threads", 0) };
        Pipelines.Activities.Torch.TorchNative.EnsureLoaded();
        string? made = null;
        var export = Arg("--export");
        if (Arg("--preset") is { } preset)
        {
            made = export is null ? Directory.CreateTempSubdirectory("pipelines-serving-").FullName : null;
            export ??= made!;
            RandomExport(preset, Arg("--variant") ?? QuantizationVariants.Int8, export);
        }

        if (export is null) throw new ArgumentException("serving needs --export DIR (an ONNX export folder) or --preset mini|small|base (BenchModels)");
        try
        {
            Console.WriteLine($"export: {export}; {(options.IntraOpThreads == 0 ? "ONNX Runtime's default" : options.IntraOpThreads)} thread(s); {Environment.ProcessorCount} cores; load average {BenchMachine.Load()}");
            if (args.Contains("--steps"))
            {
                Steps(export, streams, options, Number("--past", 80));
                return 0;
            }

            Console.WriteLine($"{tokens} new tokens per request");
            var results = streams.Select(n => Measure(export, n, tokens, options)).ToList();
            foreach (var r in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Streams,3} streams: batched {r.BatchedTokensPerSecond,7:0} tokens/s, one at a time {r.SequentialTokensPerSecond,7:0}, ratio {r.BatchedTokensPerSecond / r.SequentialTokensPerSecond:0.00}, mean decode batch {r.MeanDecodeBatch:0.0}"));
            }

            Console.WriteLine("serving: " + string.Join(", ", results.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Streams} streams {r.BatchedTokensPerSecond / r.SequentialTokensPerSecond:0.00}x"))));
            return 0;
        }
        finally
        {
            if (made is not null) Directory.Delete(made, recursive: true);
        }
    }

    /// <summary>Milliseconds of one decode step at each batch size (slot <c>i</c> holding <paramref name="past"/> + 3i positions) and of a 40-token prefill, medians of many.</summary>
    private static void Steps(string export, IReadOnlyList<int> batches, OnnxDecoderOptions options, int past)
    {
        using var decoder = OnnxDecoder.Open(export, options);
        var slots = decoder.NewSlots(batches.Max(), past + 3 * batches.Max() + 1);
        var prompt = Enumerable.Range(0, 40).Select(i => (i * 17 + 1) % decoder.VocabSize).ToArray();
        for (var slot = 0; slot < batches.Max(); slot++) decoder.Prefill(slots, slot, [prompt]);
        double Median(Action step, int times)
        {
            step();
            var took = new List<double>();
            for (var i = 0; i < times; i++)
            {
                var clock = Stopwatch.StartNew();
                step();
                took.Add(clock.Elapsed.TotalMilliseconds);
            }

            took.Sort();
            return took[took.Count / 2];
        }

        var prefill = Median(() => decoder.Prefill(slots, 0, [prompt]), 50);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"prefill of {prompt.Length} tokens: {prefill:0.000} ms"));
        foreach (var n in batches)
        {
            var ids = Enumerable.Range(0, n).Select(i => (i * 31 + 5) % decoder.VocabSize).ToArray();
            var held = Enumerable.Range(0, n).Select(i => past + i * 3).ToArray();
            var step = Median(() => decoder.Decode(slots, ids, held), 200);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"decode step, batch {n,2}: {step:0.000} ms, {step / n:0.000} ms a token, {n / step * 1000:0} tokens/s"));
        }
    }

    /// <summary>A random-weights Llama of <paramref name="preset"/>'s size in <paramref name="variant"/> (int8 or fp32) exported to <paramref name="folder"/>.</summary>
    private static void RandomExport(string preset, string variant, string folder)
    {
        var (model, tokenizer) = BenchModels.Create(preset);
        using (model)
        {
            var quantized = variant == QuantizationVariants.Fp32 ? null : QuantizationVariants.RoundToNearest(model, variant);
            OnnxExport.Write(model, tokenizer, quantized, folder);
        }
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
        if (batched != sequential) Console.WriteLine($"note: batched requests made {batched} tokens, one at a time {sequential} (near ties in random weights)");

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
