using Pipelines.Activities.Models.Tokenization;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Models;

/// <summary>
/// <c>model.init</c>: a randomly initialised model of a preset size with a byte-level BPE tokenizer learned from a
/// corpus, stored as a model folder artifact — the base a lifecycle pretrains, since no model can be downloaded here.
/// The same code as <c>pipelines model init</c>. Deterministic: the same inputs (and corpus content) give the same
/// folder, so the step is cached.
/// </summary>
[Activity("model.init", Category = "Models",
    Description = "Makes a randomly initialised Llama or GPT-2 model folder of a preset size, with a byte-level BPE tokenizer learned from a corpus.")]
public sealed class ModelInitialization : IActivity<ModelInitializationInputs, ModelInitializationOutputs>
{
    public Task<ModelInitializationOutputs> ExecuteAsync(ModelInitializationInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => Task.Run(() => InitializeAsync(inputs, context, cancellationToken), cancellationToken));

    private static async Task<ModelInitializationOutputs> InitializeAsync(ModelInitializationInputs inputs, ActivityContext context, CancellationToken ct)
    {
        string? text = null;
        if (inputs.Corpus is { } corpus)
        {
            context.Progress.Report(new ProgressUpdate(0, $"reading {corpus}"));
            var sample = TokenizerCorpus.Read(LocalInput.Resolve(corpus, "corpus", context), "corpus");
            context.Log($"learning the tokenizer from {sample.Describe(corpus)}");
            text = sample.Text;
        }

        TorchNative.EnsureLoaded();
        context.Progress.Report(new ProgressUpdate(0.1, $"learning a {inputs.VocabSize ?? ModelPresets.DefaultVocabSize(inputs.Preset)}-token vocabulary"));
        ct.ThrowIfCancellationRequested();
        var (model, tokenizer) = ModelPresets.Create(inputs.Architecture, inputs.Preset, inputs.VocabSize, inputs.Seed, text);
        using (model)
        {
            context.Log(ModelPresets.Describe(inputs.Architecture, inputs.Preset, model, tokenizer, inputs.VocabSize));
            context.Progress.Report(new ProgressUpdate(0.9, "writing the model folder"));
            var reference = await ArtifactFolder.StoreAsync(context, "model", directory => ModelFolder.Save(model, tokenizer, directory), ct).ConfigureAwait(false);
            context.Progress.Report(new ProgressUpdate(1, "written"));
            return new ModelInitializationOutputs
            {
                Model = reference,
                Parameters = ModelPresets.Parameters(model),
                VocabSize = tokenizer.VocabSize,
                ContextWindow = model.ContextWindow,
            };
        }
    }
}
