using System.Diagnostics;
using System.Globalization;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Quantization;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;
using static TorchSharp.torch;

namespace Pipelines.Bench.Deploy;

/// <summary>
/// <c>-- deploy --model DIR --calibration FILE --dataset FILE [--threads 1] [--samples 64] [--calibration-samples 64]</c>
/// (without <c>--dataset</c>: only the export time and memory):
/// what issue 14 asks to be measured, in one run on one model (bench/deploy.sh passes the flagship's base model and its
/// curated splits). Sizes of every variant in both formats as ratios to fp32; quality of each variant against fp32 on
/// held-out records through TorchSharp (dequantized weights), ONNX Runtime and llama.cpp; one-stream greedy decode
/// speed of 128 tokens in all three; export time and the peak memory growth while exporting.
/// </summary>
public static class DeployBenchmark
{
    private const int NewTokens = 128;

    public static int Run(string[] args)
    {
        string Arg(string name, string? fallback = null) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"deploy needs {name}");
        var modelDirectory = Arg("--model");
        var threads = int.Parse(Arg("--threads", "1"), CultureInfo.InvariantCulture);
        var samples = int.Parse(Arg("--samples", "64"), CultureInfo.InvariantCulture);
        var calibrationSamples = int.Parse(Arg("--calibration-samples", "64"), CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("pipelines-deploy-").FullName;
        TorchNative.EnsureLoaded();
        set_num_threads(threads);
        try
        {
            using var loaded = ModelFolder.Load(modelDirectory);
            var model = loaded.Model;
            var window = Math.Min(256, model.ContextWindow);
            Console.WriteLine($"model: {modelDirectory} ({model.Architecture}, {ModelPresets.Parameters(model):N0} parameters); {threads} thread(s); {Environment.ProcessorCount} cores");

            // Export time and memory: the fp32 model in both formats, streamed tensor by tensor.
            var fp32Onnx = Path.Join(work, "fp32-onnx");
            var (onnxSeconds, onnxPeak) = Measure(() => OnnxExport.Write(model, loaded.Tokenizer, null, fp32Onnx));
            var (ggufSeconds, ggufPeak) = Measure(() => GgufExport.Write(model, loaded.Tokenizer, GgufType.F32, null, Path.Join(work, "fp32.gguf")));
            var weightBytes = model.CheckpointTensors().Sum(t => t.Value.numel() * 4);
            Console.WriteLine($"export: onnx {onnxSeconds:0.00} s, peak memory growth {onnxPeak / 1e6:0.0} MB; gguf {ggufSeconds:0.00} s, "
                + $"{ggufPeak / 1e6:0.0} MB; the fp32 weights are {weightBytes / 1e6:0.0} MB");
            if (!args.Contains("--dataset")) return 0; // --export-only: what exporting a model of any size costs

            var held = Sequences(Arg("--dataset"), loaded.Tokenizer, window, samples);
            var calibration = Sequences(Arg("--calibration"), loaded.Tokenizer, window, calibrationSamples);
            Console.WriteLine($"{held.Count} held-out records, {calibration.Count} calibration records");

            // Variants: round-to-nearest int8 and int4, GPTQ int4 (timed).
            var variants = new Dictionary<string, IReadOnlyDictionary<string, QuantizedMatrix>>
            {
                ["int8"] = QuantizationVariants.RoundToNearest(model, QuantizationVariants.Int8),
                ["int4"] = QuantizationVariants.RoundToNearest(model, QuantizationVariants.Int4),
            };
            var gptqClock = Stopwatch.StartNew();
            using (var copy = ModelFolder.LoadModel(modelDirectory))
            {
                variants["int4-gptq"] = SequentialGptq.Quantize(copy, calibration);
            }

            Console.WriteLine($"GPTQ on {calibration.Count} records: {gptqClock.Elapsed.TotalSeconds:0.0} s");

            var onnxBytes = new Dictionary<string, long> { ["fp32"] = WeightFiles(fp32Onnx) };
            var ggufBytes = new Dictionary<string, long> { ["fp32"] = new FileInfo(Path.Join(work, "fp32.gguf")).Length };
            foreach (var (name, quantized) in variants)
            {
                onnxBytes[name] = WeightFiles(OnnxExport.Write(model, loaded.Tokenizer, quantized, Path.Join(work, $"{name}-onnx")).Directory);
                var type = name == "int8" ? GgufType.Q8_0 : GgufType.Q4_0;
                ggufBytes[name] = GgufExport.Write(model, loaded.Tokenizer, type, quantized, Path.Join(work, $"{name}.gguf")).Bytes;
            }

            Console.WriteLine();
            Console.WriteLine($"{"variant",-10}{"onnx MB",9}{"ratio",8}{"gguf MB",9}{"ratio",8}");
            foreach (var name in onnxBytes.Keys)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-10}{onnxBytes[name] / 1e6,9:0.00}{(double)onnxBytes[name] / onnxBytes["fp32"],8:0.000}{ggufBytes[name] / 1e6,9:0.00}{(double)ggufBytes[name] / ggufBytes["fp32"],8:0.000}"));
            }

            // Quality against fp32 on the held-out records, through each runtime.
            Console.WriteLine();
            Console.WriteLine($"{"variant",-10}{"runtime",-12}{"ppl",9}{"Δppl %",9}{"mean KL",10}{"top-1",8}");
            var reference = held.Select(ids => TorchLogits(model, ids)).ToList();
            foreach (var (name, quantized) in variants)
            {
                using var dequantized = ModelFolder.LoadModel(modelDirectory);
                QuantizedWeights.Apply(dequantized, quantized);
                Print(name, "torchsharp", Quality(held, reference, ids => TorchLogits(dequantized, ids)));
                using (var onnx = OnnxDecoder.Open(Path.Join(work, $"{name}-onnx"), new OnnxDecoderOptions { IntraOpThreads = threads }))
                {
                    Print(name, "onnxruntime", Quality(held, reference, ids => onnx.Forward([.. ids], onnx.NewCache())));
                }

                using (var gguf = LlamaCppModel.Load(Path.Join(work, $"{name}.gguf"), window, threads))
                {
                    Print(name, "llama.cpp", Quality(held, reference, ids => gguf.LogitsAtEveryPosition([.. ids.Select(i => (int)i)])));
                }
            }

            // Decode speed: one stream, greedy, 128 new tokens after a warm-up, the same threads everywhere.
            Console.WriteLine();
            var torch = TorchTokensPerSecond(model, threads);
            var speeds = new Dictionary<string, double> { ["torchsharp fp32"] = torch };
            foreach (var name in new[] { "fp32", "int8", "int4" })
            {
                speeds[$"onnxruntime {name}"] = OnnxDecodeBenchmark.TokensPerSecond(name == "fp32" ? fp32Onnx : Path.Join(work, $"{name}-onnx"), new OnnxDecoderOptions { IntraOpThreads = threads });
            }

            foreach (var (name, file) in new[] { ("F32", "fp32.gguf"), ("Q8_0", "int8.gguf"), ("Q4_0", "int4.gguf") })
            {
                speeds[$"llama.cpp {name}"] = LlamaCppDecodeBenchmark.Measure(Path.Join(work, file), threads, NewTokens).TokensPerSecond;
            }

            foreach (var (name, value) in speeds) Console.WriteLine($"{name,-18}{value,9:0} tokens/s  ({value / torch:0.00}x torchsharp fp32)");
            var int8 = speeds["onnxruntime int8"];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"deploy: int8 {onnxBytes["int8"] / (double)onnxBytes["fp32"]:0.000} / int4 {onnxBytes["int4"] / (double)onnxBytes["fp32"]:0.000} of fp32 (onnx); "
                + $"onnxruntime int8 {int8 / torch:0.00}x torchsharp fp32, {int8 / speeds["llama.cpp Q8_0"]:0.00}x llama.cpp Q8_0"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<long[]> Sequences(string path, TextTokenizer tokenizer, int maxLength, int count) =>
        TrainingData.Load(path, tokenizer, maxLength).Where(e => e.Ids.Length >= 2).Take(count).Select(e => e.Ids.Select(id => (long)id).ToArray()).ToList();

    private static float[] TorchLogits(CausalLanguageModel model, long[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.Forward(tensor(ids, [1, ids.Length])).contiguous().data<float>().ToArray();
    }

    private static QualityMetrics Quality(List<long[]> held, List<float[]> reference, Func<long[], float[]> logits)
    {
        var quality = new QuantizationQuality();
        for (var i = 0; i < held.Count; i++)
        {
            var ids = held[i];
            var vocab = reference[i].Length / ids.Length;
            var positions = ids.Length - 1;
            var targets = ids.Skip(1).Select(t => (int)t).ToArray();
            quality.Add(reference[i][..(positions * vocab)], logits(ids)[..(positions * vocab)], vocab, targets);
        }

        return quality.Result();
    }

    private static void Print(string variant, string runtime, QualityMetrics q) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{variant,-10}{runtime,-12}{q.Perplexity,9:0.00}{q.PerplexityChangePercent,9:+0.00;-0.00}{q.MeanKl,10:0.00000}{q.Top1Agreement,8:0.000}   (fp32 ppl {q.ReferencePerplexity:0.00})"));

    private static double TorchTokensPerSecond(CausalLanguageModel model, int threads)
    {
        long[] prompt = [.. Enumerable.Range(1, 8).Select(i => (long)i)];
        var options = new GenerationOptions { MaxNewTokens = NewTokens, Greedy = true };
        var noStop = new HashSet<int>();
        int[] ids = [.. prompt.Select(i => (int)i)];
        TextGenerator.GenerateIds(model, [ids], options with { MaxNewTokens = 16 }, noStop, 0);
        var clock = Stopwatch.StartNew();
        var generated = TextGenerator.GenerateIds(model, [ids], options, noStop, 0);
        return generated[0].Length / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Wall time of <paramref name="export"/> and the growth of the process's resident memory over it (sampled every 2 ms).</summary>
    private static (double Seconds, long PeakGrowth) Measure(Action export)
    {
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            using var self = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                Thread.Sleep(2);
            }
        });
        var clock = Stopwatch.StartNew();
        export();
        var seconds = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        sampler.Wait();
        return (seconds, peak - before);
    }

    private static long WeightFiles(string onnxFolder) =>
        new FileInfo(Path.Join(onnxFolder, OnnxExport.ModelFile)).Length + new FileInfo(Path.Join(onnxFolder, OnnxExport.DataFile)).Length;
}
