namespace Pipelines.Activities.Models;

public sealed record ModelInitializationOutputs
{
    [Port("The model: a Hugging Face–format folder (config.json, model.safetensors, tokenizer files), as train.full's `model`; give it to train.full as `base_model`.")]
    public required string Model { get; init; }

    [Port("Weights in the model (a tied output layer counted once).")]
    public required long Parameters { get; init; }

    [Port("Tokens in the learned vocabulary, the special token included: the one asked for, or fewer when the text ran out of merges.")]
    public required int VocabSize { get; init; }

    [Port("The context window (positions) of the preset.")]
    public required int ContextWindow { get; init; }
}
