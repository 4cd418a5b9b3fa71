using Pipelines.Activities.Models;

namespace Pipelines.Activities.Training;

[Activity("train.full", Version = 1, Category = "Training",
    Description = "Fine-tunes every weight of a Hugging Face–format model on the same loop as train.lora and returns the new model folder, its metrics and loss curve.")]
public sealed class FullTraining : IActivity<FineTuningInputs, FullTrainingOutputs>
{
    public Task<FullTrainingOutputs> ExecuteAsync(FineTuningInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => TrainAsync(inputs, context, cancellationToken));

    static async Task<FullTrainingOutputs> TrainAsync(FineTuningInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        using var run = await FineTuningRun.PrepareAsync(inputs, context, wrap: null, cancellationToken);
        var result = await run.TrainAsync(context, cancellationToken);
        var model = await ArtifactFolder.StoreAsync(context, "model", directory => ModelFolder.Save(run.Loaded.Model, run.Loaded.Tokenizer, directory), cancellationToken);
        var curve = await run.StoreCurveAsync(result, context, cancellationToken);
        return new FullTrainingOutputs { Model = model, Metrics = result.Metrics, Curve = curve };
    }
}
