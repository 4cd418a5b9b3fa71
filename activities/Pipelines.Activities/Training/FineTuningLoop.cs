using System.Diagnostics;
using Pipelines.Activities.Models;
using Pipelines.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

/// <summary>Everything a training run needs, resolved: the model with its trainable parameters marked, the data, the knobs.</summary>
public sealed record FineTuningJob(
    CausalLanguageModel Model,
    int PadId,
    IReadOnlyList<TrainingExample> Train,
    IReadOnlyList<TrainingExample>? Validation,
    FineTuningInputs Settings,
    Device Device);

public sealed record FineTuningResult(TrainingMetrics Metrics, IReadOnlyList<CurvePoint> Curve, bool StoppedEarly);

/// <summary>
/// The training loop, in the spirit of torchtune's recipes: plain code read top to bottom. Micro-batches are
/// accumulated into optimizer steps (AdamW, HF-style warm-up and decay, global-norm clipping); validation loss is
/// measured every <c>eval_every</c> steps with early stopping and the best weights kept; every
/// <c>checkpoint_every</c> steps the whole state goes to the step's checkpoint, and a new attempt continues from it.
/// </summary>
public static class FineTuningLoop
{
    public static async Task<FineTuningResult> RunAsync(FineTuningJob job, StepCheckpoints? checkpoints,
        IProgress<ProgressUpdate>? progress, Action<string> log, CancellationToken ct)
    {
        var settings = job.Settings;
        var model = job.Model;
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        if (trainable.Count == 0) throw new InvalidOperationException("The model has no trainable parameters.");

        var batches = new TrainingBatches(job.Train, settings.BatchSize, settings.Seed);
        var totalSteps = settings.MaxSteps ?? settings.Epochs * Math.Max(1, (batches.BatchesPerEpoch + settings.GradientAccumulation - 1) / settings.GradientAccumulation);
        var schedule = new LearningRateSchedule(settings.Schedule, settings.LearningRate, settings.WarmupSteps, totalSteps);
        using var optimizer = CreateOptimizer(trainable, settings);

        // Model dropout (if the architecture has any) draws from the global generator; LoRA dropout from this run's own.
        torch.random.manual_seed(settings.Seed);
        using var dropout = new Generator(unchecked((ulong)settings.Seed + 1));
        foreach (var (_, projection) in Adapters.LoraTargets.Projections(model))
            if (projection.Lora is { } lora) lora.DropoutGenerator = dropout;

        var state = new TrainingState();
        List<Tensor>? best = null;
        if (checkpoints?.OpenRead(TrainingCheckpoint.Name) is { } saved)
        {
            await using (saved)
                (state, best) = TrainingCheckpoint.Read(saved, trainable, optimizer, dropout);
            log($"resuming from the checkpoint at step {state.Step} of {totalSteps}");
        }

        var curve = state.Curve;
        var clock = Stopwatch.StartNew();
        model.train();

        while (state.Step < totalSteps && !state.StoppedEarly)
        {
            ct.ThrowIfCancellationRequested();
            var started = clock.Elapsed;

            var micro = new List<IReadOnlyList<TrainingExample>>(settings.GradientAccumulation);
            var (epoch, batchIndex) = (state.Epoch, state.BatchIndex);
            for (var i = 0; i < settings.GradientAccumulation; i++)
            {
                if (batchIndex >= batches.BatchesPerEpoch) (epoch, batchIndex) = (epoch + 1, 0);
                micro.Add(batches.Batch(epoch, batchIndex++));
            }

            var rate = schedule.RateAt(state.Step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;

            var scored = Math.Max(1, micro.Sum(b => b.Sum(e => e.ScoredTokens)));
            double lossSum = 0;
            long tokens = 0;
            var peak = state.PeakMemoryMb;
            foreach (var batch in micro)
            {
                using var scope = NewDisposeScope();
                var (ids, labels) = TrainingBatches.ToTensors(batch, job.PadId, job.Device);
                var logits = model.Forward(ids);
                var loss = SummedLoss(logits, labels);
                loss.div(scored).backward();
                lossSum += loss.item<float>();
                tokens += batch.Sum(e => e.Ids.Length);
                peak = Math.Max(peak, ResidentMemoryMb());
            }
            using (NewDisposeScope())
            {
                // Clipping and the optimizer make temporaries the size of the weights: dispose them now, not at a GC.
                if (settings.MaxGradNorm > 0) nn.utils.clip_grad_norm_(trainable.Select(p => p.parameter), settings.MaxGradNorm);
                optimizer.step();
                optimizer.zero_grad();
            }
            // TorchSharp 0.107's AdamW.step leaves native memory the size of the weights to finalizers: without a
            // young-generation collection per step, full fine-tuning's resident memory grows by ~3x the weights per step.
            // The finalizer thread frees it while the next step runs.
            GC.Collect(0);
            peak = Math.Max(peak, ResidentMemoryMb());

            var trainLoss = lossSum / scored;
            var step = state.Step + 1;
            state = state with
            {
                Step = step, Epoch = epoch, BatchIndex = batchIndex, InitialLoss = state.InitialLoss ?? trainLoss,
                TokensSeen = state.TokensSeen + tokens, TrainingSeconds = state.TrainingSeconds + (clock.Elapsed - started).TotalSeconds,
                PeakMemoryMb = peak,
            };

            double? validationLoss = null;
            var lastStep = step == totalSteps;
            if (job.Validation is { } validation && ((settings.EvalEvery > 0 && step % settings.EvalEvery == 0) || lastStep))
            {
                validationLoss = Evaluate(model, validation, settings.BatchSize, job.PadId, job.Device);
                (state, best) = Track(state, best, trainable, validationLoss.Value, settings.EarlyStoppingPatience);
                if (state.StoppedEarly) log($"early stop at step {step}: validation loss has not improved for {settings.EarlyStoppingPatience} evaluations (best {state.BestValidationLoss:F4} at step {state.BestStep})");
            }
            curve.Add(new CurvePoint(step, epoch, rate, trainLoss, validationLoss));

            if (checkpoints is not null && settings.CheckpointEvery > 0 && step % settings.CheckpointEvery == 0 && !lastStep && !state.StoppedEarly)
                await SaveCheckpointAsync(checkpoints, state, trainable, best, optimizer, dropout, ct);

            progress?.Report(Report(state, totalSteps, trainLoss, validationLoss));
        }

        // Without validation the last weights are kept; with it, the best ones (HF's load_best_model_at_end).
        if (best is not null && state.BestStep != state.Step)
        {
            using (no_grad())
                for (var i = 0; i < trainable.Count; i++) trainable[i].parameter.copy_(best[i]);
            log($"kept the weights of step {state.BestStep} (validation loss {state.BestValidationLoss:F4})");
        }
        if (best is not null) foreach (var tensor in best) tensor.Dispose();
        model.eval();
        foreach (var (_, projection) in Adapters.LoraTargets.Projections(model))
            if (projection.Lora is { } lora) lora.DropoutGenerator = null;

        var window = Math.Clamp(curve.Count / 10, 1, 10);
        var metrics = new TrainingMetrics
        {
            InitialTrainLoss = state.InitialLoss ?? double.NaN,
            FinalTrainLoss = curve.Count == 0 ? double.NaN : curve.TakeLast(window).Average(p => p.TrainLoss),
            ValLoss = state.BestValidationLoss,
            BestStep = best is not null ? state.BestStep : state.Step,
            Steps = state.Step,
            TokensPerSecond = state.TrainingSeconds > 0 ? state.TokensSeen / state.TrainingSeconds : 0,
            PeakMemoryMb = Math.Round(state.PeakMemoryMb, 1),
        };
        return new FineTuningResult(metrics, curve, state.StoppedEarly);
    }

    /// <summary>Cross-entropy summed over the positions that take loss, after the causal shift (position t predicts t+1).</summary>
    internal static Tensor SummedLoss(Tensor logits, Tensor labels)
    {
        var vocabulary = logits.shape[^1];
        var predicted = logits[.., ..^1, ..].reshape(-1, vocabulary);
        var targets = labels[.., 1..].reshape(-1);
        return nn.functional.cross_entropy(predicted.to(ScalarType.Float32), targets, ignore_index: TrainingExample.Ignored, reduction: nn.Reduction.Sum);
    }

    /// <summary>Mean loss per scored token over a dataset, without gradients and with dropout off.</summary>
    public static double Evaluate(CausalLanguageModel model, IReadOnlyList<TrainingExample> examples, int batchSize, int padId, Device device)
    {
        var wasTraining = model.training;
        model.eval();
        double sum = 0;
        long count = 0;
        using (no_grad())
        {
            for (var start = 0; start < examples.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = examples.Skip(start).Take(batchSize).ToList();
                var (ids, labels) = TrainingBatches.ToTensors(batch, padId, device);
                sum += SummedLoss(model.Forward(ids), labels).item<float>();
                count += batch.Sum(e => e.ScoredTokens);
            }
        }
        if (wasTraining) model.train();
        return count == 0 ? double.NaN : sum / count;
    }

    static (TrainingState, List<Tensor>?) Track(TrainingState state, List<Tensor>? best, List<(string name, Parameter parameter)> trainable,
        double validationLoss, int patience)
    {
        if (state.BestValidationLoss is null || validationLoss < state.BestValidationLoss)
        {
            if (best is not null) foreach (var tensor in best) tensor.Dispose();
            best = trainable.Select(p => p.parameter.detach().clone()).ToList();
            return (state with { BestValidationLoss = validationLoss, BestStep = state.Step, EvaluationsWithoutImprovement = 0 }, best);
        }
        var without = state.EvaluationsWithoutImprovement + 1;
        return (state with { EvaluationsWithoutImprovement = without, StoppedEarly = patience > 0 && without >= patience }, best);
    }

    static AdamW CreateOptimizer(List<(string name, Parameter parameter)> trainable, FineTuningInputs settings)
    {
        // As Hugging Face's Trainer: no weight decay on biases and normalisation weights.
        static bool Decays(string name) =>
            !name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("norm", StringComparison.Ordinal) && !name.Contains(".ln_", StringComparison.Ordinal);
        var groups = new List<AdamW.ParamGroup>
        {
            new(trainable.Where(p => Decays(p.name)).Select(p => p.parameter), new AdamW.Options { weight_decay = settings.WeightDecay }),
            new(trainable.Where(p => !Decays(p.name)).Select(p => p.parameter), new AdamW.Options { weight_decay = 0 }),
        };
        return torch.optim.AdamW(groups.Where(g => g.Parameters.Any()), lr: settings.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8,
            weight_decay: settings.WeightDecay);
    }

    static async Task SaveCheckpointAsync(StepCheckpoints checkpoints, TrainingState state, List<(string name, Parameter parameter)> trainable,
        List<Tensor>? best, OptimizerHelper optimizer, Generator dropout, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        TrainingCheckpoint.Write(buffer, state, trainable, best, optimizer, dropout);
        buffer.Position = 0;
        await checkpoints.SaveAsync(TrainingCheckpoint.Name, buffer, ct);
    }

    static ProgressUpdate Report(TrainingState state, int totalSteps, double trainLoss, double? validationLoss)
    {
        var tokensPerSecond = state.TrainingSeconds > 0 ? state.TokensSeen / state.TrainingSeconds : 0;
        var secondsPerStep = state.TrainingSeconds / Math.Max(1, state.Step);
        var eta = TimeSpan.FromSeconds(Math.Round(secondsPerStep * (totalSteps - state.Step)));
        var metrics = new Dictionary<string, double>
        {
            ["step"] = state.Step,
            ["loss"] = trainLoss,
            ["tokens_per_second"] = Math.Round(tokensPerSecond, 1),
            ["eta_seconds"] = eta.TotalSeconds,
        };
        if (validationLoss is { } v) metrics["val_loss"] = v;
        var message = $"step {state.Step}/{totalSteps} · loss {trainLoss:F4}{(validationLoss is { } val ? $" · val {val:F4}" : "")} · {tokensPerSecond:N0} tok/s · ETA {eta:g}";
        return new ProgressUpdate((double)state.Step / totalSteps, message, metrics);
    }

    /// <summary>The process's resident memory now (MB), read from /proc where there is one.</summary>
    static double ResidentMemoryMb() => Environment.WorkingSet / (1024.0 * 1024.0);
}
