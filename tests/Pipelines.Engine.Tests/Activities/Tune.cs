using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Activities;

public enum LearningSchedule
{
    Constant,
    CosineWithRestarts,
}

public sealed record EarlyStopping
{
    [Port("Evaluations without improvement before stopping.")]
    public int Patience { get; init; } = 3;

    [Port("The smallest change that counts as an improvement.")]
    public double MinDelta { get; init; }
}

public sealed record TuningInputs
{
    [Port("Folder of the base model.")]
    public required string BaseModel { get; init; }

    [Port("Optimizer step size.")]
    [Range(0, 1)]
    public double LearningRate { get; init; } = 3e-4;

    [Port("How the learning rate changes over training.")]
    public LearningSchedule Schedule { get; init; } = LearningSchedule.CosineWithRestarts;

    [Port("Modules that get adapters.")]
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    [Port("Free-form labels.")]
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    [Port("When to stop early.")]
    public EarlyStopping EarlyStopping { get; init; } = new();

    [Port("How often to write a checkpoint.")]
    public TimeSpan CheckpointEvery { get; init; } = TimeSpan.FromSeconds(30);

    [Port("Token for the experiment tracker.")]
    [Sensitive]
    public string? TrackerToken { get; init; }

    [Port("Warm-up steps, under a short name.", Name = "warmup")]
    public int WarmupSteps { get; init; } = 100;

    [Port("One of a fixed set.")]
    [OneOf("fp32", "bf16")]
    public string Precision { get; init; } = "bf16";

    [Port("A cap on training steps; optional, without a default.")]
    public int? MaxSteps { get; init; }
}

public sealed record TuningOutputs
{
    [Port("The adapter artifact.")]
    public required string Adapter { get; init; }

    [Port("Validation loss per epoch.")]
    public required IReadOnlyList<double> Losses { get; init; }
}

/// <summary>A test-only activity whose inputs use every kind of property the describer maps; it echoes what it was bound to.</summary>
[Activity("test.tune", Version = 3, Category = "Test", Description = "Echoes its bound inputs.", Deterministic = false)]
public sealed class Tune : IActivity<TuningInputs, TuningOutputs>
{
    public Task<TuningOutputs> ExecuteAsync(TuningInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new TuningOutputs
        {
            Adapter = $"{inputs.BaseModel}|{inputs.LearningRate}|{inputs.Schedule}|{string.Join('+', inputs.TargetModules)}|"
                      + $"{inputs.EarlyStopping.Patience}|{inputs.CheckpointEvery.TotalSeconds}|{inputs.WarmupSteps}|{inputs.TrackerToken}",
            Losses = [0.5, 0.25],
        });
}
