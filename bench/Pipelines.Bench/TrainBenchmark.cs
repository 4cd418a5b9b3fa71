using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Bench;

/// <summary>
/// LoRA against full fine-tuning on the <c>small</c> Llama preset (about 24 M parameters), each in its own process so
/// that peak memory is that run's alone (VmHWM reset before the loop, read after it; reported above the process's
/// resident size with .NET and libtorch loaded and no model): tokens per second, peak resident memory, and the share of step time the loop
/// spends outside TorchSharp (batching, bookkeeping, progress), found by timing the same steps again as bare
/// forward/backward/optimizer calls on ready-made tensors.
///
///   dotnet run -c Release --project bench/Pipelines.Bench -- train [--steps 16] [--batch 1] [--seq 64]
/// </summary>
public static class TrainBenchmark
{
    public static int Run(string[] args)
    {
        // One sequence of 64 tokens per step by default: the regime where memory is the trainable state's (weights,
        // gradients, AdamW moments), which is what LoRA saves. From about 256 tokens per micro-batch, activations
        // dominate a 24 M-parameter model and both modes need them alike (see bench/RESULTS.md).
        var steps = Option(args, "--steps", 16);
        var batch = Option(args, "--batch", 1);
        var sequence = Option(args, "--seq", 64);
        var folder = Directory.CreateTempSubdirectory("bench-train-").FullName;
        try
        {
            var (model, tokenizer) = ModelPresets.Create("llama", "small", seed: 1);
            ModelFolder.Save(model, tokenizer, folder);
            var parameters = model.parameters().Sum(p => p.numel());
            model.Dispose();
            Console.WriteLine($"model: llama small, {parameters:N0} parameters; {steps} steps of {batch} x {sequence} tokens; torch threads {torch.get_num_threads()}");

            var lora = Child("lora", folder, steps, batch, sequence);
            var full = Child("full", folder, steps, batch, sequence);
            foreach (var r in new[] { lora, full })
            {
                Console.WriteLine($"{r["mode"],-5} tokens/s {(double)r["tokens_per_second"]!,8:F0}  peak RSS {(double)r["peak_rss_mb"]!,7:F0} MB  "
                                  + $"above baseline {(double)r["peak_above_baseline_mb"]!,7:F0} MB  loop overhead {(double)r["overhead"]! * 100,5:F1}%  "
                                  + $"trainable {(long)r["trainable"]!:N0}");
            }

            var memoryRatio = (double)lora["peak_above_baseline_mb"]! / (double)full["peak_above_baseline_mb"]!;
            var speedRatio = (double)lora["tokens_per_second"]! / (double)full["tokens_per_second"]!;
            var overhead = Math.Max((double)lora["overhead"]!, (double)full["overhead"]!);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train lora_tokens_per_s={(double)lora["tokens_per_second"]!:F0} full_tokens_per_s={(double)full["tokens_per_second"]!:F0} speed_ratio={speedRatio:F2} "
                + $"lora_peak_mb={(double)lora["peak_above_baseline_mb"]!:F0} full_peak_mb={(double)full["peak_above_baseline_mb"]!:F0} memory_ratio={memoryRatio:F2} loop_overhead={overhead * 100:F1}%"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The child process: one mode, measured alone. Prints one JSON line.</summary>
    public static int RunOne(string[] args)
    {
        var (mode, folder) = (args[0], args[1]);
        var (steps, batch, sequence) = (int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
        // The baseline is the process with .NET and libtorch loaded, before any model: what both modes pay anyway.
        Activities.Torch.TorchNative.EnsureLoaded();
        using (var warm = torch.ones(16, 16)) warm.matmul(warm).Dispose();
        var baseline = ResidentMb();

        var loaded = ModelFolder.Load(folder);
        var model = loaded.Model;
        LoraModel? lora = null;
        if (mode == "lora")
        {
            using var generator = new Generator(1);
            lora = LoraInjection.Apply(model, new LoraSettings { Rank = 16, Alpha = 32, TargetModules = JsonValue.Create("all-linear") }, generator);
        }
        var trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());

        var random = new Random(7);
        var examples = Enumerable.Range(0, batch * (steps + 2)).Select(i =>
        {
            var ids = Enumerable.Range(0, sequence).Select(_ => random.Next(loaded.Tokenizer.VocabSize)).ToArray();
            return new TrainingExample(ids, ids, $"synthetic:{i}");
        }).ToList();
        var settings = new FineTuningInputs
        {
            BaseModel = folder, Dataset = "synthetic", MaxSteps = steps, BatchSize = batch, LearningRate = 1e-4, CheckpointEvery = 0, Seed = 1,
        };

        // Warm up libtorch's kernels and allocator before timing anything. Step times are compared as medians, so a
        // load spike from another process moves neither figure much.
        Bare(model, examples.Take(batch * 2).ToList(), batch, settings, 2);
        var bareBefore = Bare(model, examples, batch, settings, steps);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeakResident();
        var stepTimes = new StepClock();
        var result = FineTuningLoop.RunAsync(new FineTuningJob(model, loaded.Tokenizer.PadId, examples, null, settings, CPU),
            checkpoints: null, progress: stepTimes, log: _ => { }, CancellationToken.None).GetAwaiter().GetResult();
        var peak = PeakResidentMb();
        var bareAfter = Bare(model, examples, batch, settings, steps);
        var loopStep = Median(stepTimes.Durations);
        var bareStep = Median([.. bareBefore, .. bareAfter]);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode,
            tokens_per_second = result.Metrics.TokensPerSecond,
            peak_rss_mb = peak,
            peak_above_baseline_mb = peak - baseline,
            overhead = (loopStep - bareStep) / loopStep,
            loop_step_seconds = loopStep,
            bare_step_seconds = bareStep,
            trainable,
        }));
        GC.KeepAlive(lora);
        return 0;
    }

    /// <summary>The same work as the loop's steps with nothing around it: the seconds of each step.</summary>
    static List<double> Bare(Activities.Models.CausalLanguageModel model, List<TrainingExample> examples, int batch, FineTuningInputs settings, int steps)
    {
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: settings.LearningRate);
        var tensors = Enumerable.Range(0, steps).Select(s => TrainingBatches.ToTensors(examples.Skip(s * batch).Take(batch).ToList(), 0, CPU)).ToList();
        model.train();
        var durations = new List<double>(steps);
        foreach (var (ids, labels) in tensors)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var loss = FineTuningLoop.SummedLoss(model.Forward(ids), labels);
                loss.div(batch * (ids.shape[1] - 1)).backward();
                nn.utils.clip_grad_norm_(parameters, 1.0);
                optimizer.step();
                optimizer.zero_grad();
            }
            // As the loop does: TorchSharp's AdamW leaves its temporaries to finalizers (part of TorchSharp's cost).
            GC.Collect(0);
            durations.Add(clock.Elapsed.TotalSeconds);
        }
        foreach (var (ids, labels) in tensors)
        {
            ids.Dispose();
            labels.Dispose();
        }
        return durations;
    }

    /// <summary>The wall time between the loop's per-step progress reports: a whole step, batching and bookkeeping included.</summary>
    sealed class StepClock : IProgress<Activities.ProgressUpdate>
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        TimeSpan _last;

        public List<double> Durations { get; } = [];

        public void Report(Activities.ProgressUpdate value)
        {
            var now = _clock.Elapsed;
            if (_last != default) Durations.Add((now - _last).TotalSeconds);
            _last = now;
        }
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static JsonObject Child(string mode, string folder, int steps, int batch, int sequence)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(TrainBenchmark).Assembly.Location);
        foreach (var a in new[] { "train-one", mode, folder, $"{steps}", $"{batch}", $"{sequence}" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"the {mode} run exited with {process.ExitCode}: {output}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }

    static double ResidentMb() => Status("VmRSS:");

    /// <summary>Resets VmHWM to the current resident size (Linux: writing 5 to clear_refs), so the peak is the loop's own.</summary>
    static void ResetPeakResident() => File.WriteAllText("/proc/self/clear_refs", "5");

    static double PeakResidentMb() => Status("VmHWM:");

    static double Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }

    static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
