namespace Pipelines.Activities.Models;

public sealed record ModelInitializationInputs
{
    [Port("The architecture: llama (Llama/Qwen2/Mistral-style: RoPE, RMSNorm, SwiGLU, grouped-query attention) or gpt2.")]
    [OneOf("llama", "gpt2")]
    public required string Architecture { get; init; }

    [Port("The size: tiny (for tests: width 64, 2 layers), mini (about 3.4 M parameters: width 256, 4 layers; pretrains on two CPU cores in minutes) or small (about 25 M).")]
    [OneOf("tiny", "mini", "small")]
    public string Preset { get; init; } = "tiny";

    [Port("Tokens in the learned byte-level BPE vocabulary. Unset: the preset's (512 tiny, 2048 mini, 1536 small); fewer when the text runs out of merges.")]
    [Range(257, 1_000_000)]
    public int? VocabSize { get; init; }

    [Port("Seed of the random weights: the same inputs give the same model, byte for byte.")]
    public int Seed { get; init; }

    [Port("Text to learn the tokenizer from: a JSONL dataset of {text} or {prompt, completion} (e.g. data.curate's train split), as an artifact or a path, or a plain text file; at most the first 4 M characters are read, whole records. Unset: a few KB of mail-like English built in.")]
    [LocalPath]
    public string? Corpus { get; init; }
}
