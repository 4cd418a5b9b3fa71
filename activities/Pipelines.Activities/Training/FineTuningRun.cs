using Pipelines.Activities.Adapters;
using Pipelines.Activities.Models;
using Pipelines.Activities.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

/// <summary>What both training activities share: load the model and data, run the loop, store what came out.</summary>
internal sealed class FineTuningRun : IDisposable
{
    readonly FineTuningInputs _inputs;
    readonly FineTuningJob _job;

    FineTuningRun(FineTuningInputs inputs, LoadedModel loaded, LoraModel? lora, FineTuningJob job)
    {
        _inputs = inputs;
        Loaded = loaded;
        Lora = lora;
        _job = job;
    }

    public LoadedModel Loaded { get; }

    public LoraModel? Lora { get; }

    public static Task<FineTuningRun> PrepareAsync(FineTuningInputs inputs, ActivityContext context, Func<CausalLanguageModel, LoraModel>? wrap,
        CancellationToken ct) => Task.Run(() =>
    {
        TorchNative.EnsureLoaded();
        var device = TrainingDevice.Resolve(inputs.Device);
        var modelPath = LocalInput.Resolve(inputs.BaseModel, "base_model", context);
        var datasetPath = LocalInput.Resolve(inputs.Dataset, "dataset", context);
        var validationPath = inputs.Validation is { } v ? LocalInput.Resolve(v, "validation", context) : null;

        torch.random.manual_seed(inputs.Seed);
        var loaded = ModelFolder.Load(modelPath, device, TrainingDevice.Dtype(inputs.Dtype));
        var lora = wrap?.Invoke(loaded.Model);
        var train = inputs.Packing
            ? TrainingData.Pack(TrainingData.Load(datasetPath, loaded.Tokenizer, int.MaxValue), inputs.MaxSeqLen)
            : TrainingData.Load(datasetPath, loaded.Tokenizer, inputs.MaxSeqLen);
        var validation = validationPath is null ? null : TrainingData.Load(validationPath, loaded.Tokenizer, inputs.MaxSeqLen);
        context.Log($"{loaded.Model.Architecture} model from {modelPath} on {device.type}; {train.Count} training {(inputs.Packing ? $"sequences of {inputs.MaxSeqLen} tokens (packed)" : "examples")}"
                    + (validation is null ? "" : $", {validation.Count} validation examples"));
        return new FineTuningRun(inputs, loaded, lora, new FineTuningJob(loaded.Model, loaded.Tokenizer.PadId, train, validation, inputs, device));
    }, ct);

    public Task<FineTuningResult> TrainAsync(ActivityContext context, CancellationToken ct) =>
        Task.Run(() => FineTuningLoop.RunAsync(_job, context.Checkpoints, context.Progress, context.Log, ct), ct);

    public Task<string> StoreCurveAsync(FineTuningResult result, ActivityContext context, CancellationToken ct) =>
        ArtifactFolder.StoreAsync(context, "report", directory => LossCurve.Write(result.Curve, directory,
            $"{(Lora is null ? "Full fine-tuning" : "LoRA fine-tuning")}: {result.Metrics.Steps} steps"), ct);

    public void Dispose() => Loaded.Dispose();
}
