using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

[Activity("train.lora", Version = 1, Category = "Training",
    Description = "Fine-tunes a Hugging Face–format model with LoRA on TorchSharp (CPU or CUDA) and returns a PEFT-compatible adapter, its metrics and loss curve; resumes from its last checkpoint after a crash.")]
public sealed class LoraTraining : IActivity<LoraTrainingInputs, LoraTrainingOutputs>
{
    public Task<LoraTrainingOutputs> ExecuteAsync(LoraTrainingInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => TrainAsync(inputs, context, cancellationToken));

    static async Task<LoraTrainingOutputs> TrainAsync(LoraTrainingInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var run = await FineTuningRun.PrepareAsync(inputs, context, model =>
        {
            using var generator = new Generator(unchecked((ulong)inputs.Seed));
            var lora = LoraInjection.Apply(model, new LoraSettings
            {
                Rank = inputs.Rank, Alpha = inputs.Alpha, Dropout = inputs.Dropout, UseRsLora = inputs.UseRslora,
                TargetModules = inputs.TargetModules?.DeepClone(), BaseModelNameOrPath = inputs.BaseModel,
            }, generator);
            context.Log($"LoRA r={inputs.Rank} alpha={inputs.Alpha} on {lora.Layers.Count} layers: {lora.TrainableParameters:N0} trainable parameters");
            return lora;
        }, cancellationToken);

        using (run)
        {
            var result = await run.TrainAsync(context, cancellationToken);
            var adapter = await ArtifactFolder.StoreAsync(context, "adapter", directory => PeftAdapter.Save(run.Lora!, directory), cancellationToken);
            var curve = await run.StoreCurveAsync(result, context, cancellationToken);
            return new LoraTrainingOutputs { Adapter = adapter, BaseModel = inputs.BaseModel, Metrics = result.Metrics, Curve = curve };
        }
    }
}
