using System.Text.Json.Nodes;
using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Training;
using Pipelines.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Training;

/// <summary>The loop on a tiny Llama with a LoRA adapter, on a task it can learn: reversing short letter strings.</summary>
public sealed class FineTuningLoopTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("fine-tuning-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    static IReadOnlyList<TrainingExample> Reversals(TextTokenizer tokenizer, int count, int seed)
    {
        var random = new Random(seed);
        var lines = Enumerable.Range(0, count).Select(_ =>
        {
            var word = new string(Enumerable.Range(0, random.Next(3, 7)).Select(_ => (char)('a' + random.Next(6))).ToArray());
            return $$"""{"prompt": "reverse {{word}} =", "completion": " {{new string(word.Reverse().ToArray())}}"}""";
        });
        var path = Path.Join(Path.GetTempPath(), $"reversals-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines);
        try
        {
            return TrainingData.Load(path, tokenizer, 64);
        }
        finally
        {
            File.Delete(path);
        }
    }

    static (CausalLanguageModel Model, TextTokenizer Tokenizer, LoraModel Lora) TinyWithLora()
    {
        var (model, tokenizer) = ModelPresets.Create("llama", "tiny", seed: 1);
        using var generator = new Generator(5);
        var lora = LoraInjection.Apply(model, new LoraSettings { Rank = 8, Alpha = 16, Dropout = 0.1, TargetModules = JsonValue.Create("all-linear") }, generator);
        return (model, tokenizer, lora);
    }

    static FineTuningInputs Settings(int steps, int checkpointEvery = 0, int evalEvery = 0, int patience = 0, double rate = 3e-3) => new()
    {
        BaseModel = "unused", Dataset = "unused", MaxSteps = steps, BatchSize = 8, GradientAccumulation = 2, LearningRate = rate,
        WarmupSteps = 2, CheckpointEvery = checkpointEvery, EvalEvery = evalEvery, EarlyStoppingPatience = patience, Seed = 3,
    };

    static async Task<FineTuningResult> Train(CausalLanguageModel model, TextTokenizer tokenizer, FineTuningInputs settings,
        StepCheckpoints? checkpoints = null, IReadOnlyList<TrainingExample>? validation = null, int? dieAfterStep = null)
    {
        using var death = new CancellationTokenSource();
        var progress = new StepWatcher(step => { if (step == dieAfterStep) death.Cancel(); });
        return await FineTuningLoop.RunAsync(new FineTuningJob(model, tokenizer.PadId, Reversals(tokenizer, 64, seed: 1), validation, settings, CPU),
            checkpoints, progress, log: _ => { }, death.Token);
    }

    sealed class StepWatcher(Action<int> onStep) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => onStep((int)value.Metrics!["step"]);
    }

    [Fact]
    public async Task Loss_falls_on_a_learnable_task()
    {
        var (model, tokenizer, _) = TinyWithLora();
        var result = await Train(model, tokenizer, Settings(steps: 40, rate: 3e-2));

        Assert.Equal(40, result.Metrics.Steps);
        Assert.Equal(40, result.Curve.Count);
        Assert.True(result.Metrics.FinalTrainLoss < 0.7 * result.Metrics.InitialTrainLoss,
            $"loss went from {result.Metrics.InitialTrainLoss:F3} to {result.Metrics.FinalTrainLoss:F3}");
        Assert.True(result.Metrics.TokensPerSecond > 0);
        Assert.True(result.Metrics.PeakMemoryMb > 0);
    }

    [Fact]
    public async Task A_run_resumed_from_its_checkpoint_ends_exactly_where_an_uninterrupted_run_does()
    {
        var (model, tokenizer, lora) = TinyWithLora();
        var uninterrupted = await Train(model, tokenizer, Settings(steps: 10));
        var expected = lora.Layers.Select(l => l.Layer.B.weight.detach().clone()).ToList();

        // The interrupted run checkpoints at step 4 and "dies" after step 6; a new process builds the same model and
        // continues from the checkpoint, running steps 5 and 6 again.
        var checkpoints = new CheckpointStore(_directory).ForStep("run-1", "train");
        var (first, firstTokenizer, _) = TinyWithLora();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Train(first, firstTokenizer, Settings(steps: 10, checkpointEvery: 4), checkpoints, dieAfterStep: 6));
        var (second, secondTokenizer, resumed) = TinyWithLora();
        var result = await Train(second, secondTokenizer, Settings(steps: 10, checkpointEvery: 4), checkpoints);

        Assert.Equal(10, result.Metrics.Steps);
        Assert.Equal(uninterrupted.Curve.Select(p => p.TrainLoss), result.Curve.Select(p => p.TrainLoss));
        for (var i = 0; i < expected.Count; i++)
            Assert.True(resumed.Layers[i].Layer.B.weight.allclose(expected[i], rtol: 0, atol: 0), $"adapter {resumed.Layers[i].Path} differs after resume");
    }

    [Fact]
    public async Task Early_stopping_keeps_the_weights_of_the_best_validation_step()
    {
        var (model, tokenizer, lora) = TinyWithLora();
        // A rate this high overfits and diverges quickly, so validation loss turns up and patience runs out.
        var validation = Reversals(tokenizer, 16, seed: 99);
        var result = await Train(model, tokenizer, Settings(steps: 200, evalEvery: 2, patience: 2, rate: 5e-2), validation: validation);

        Assert.True(result.StoppedEarly);
        Assert.True(result.Metrics.Steps < 200);
        var evaluated = result.Curve.Where(p => p.ValidationLoss is not null).ToList();
        var best = evaluated.MinBy(p => p.ValidationLoss!.Value)!;
        Assert.Equal(best.Step, result.Metrics.BestStep);
        Assert.Equal(best.ValidationLoss, result.Metrics.ValLoss);
        var now = FineTuningLoop.Evaluate(model, validation, 8, tokenizer.PadId, CPU);
        Assert.Equal(best.ValidationLoss!.Value, now, precision: 4);
    }
}
