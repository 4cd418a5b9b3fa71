namespace Pipelines.Activities.Serving;

/// <summary>
/// One completion asked of a <see cref="ContinuousBatcher"/>: the prompt as token ids (BOS included when the model
/// wants one), how many tokens at most, how to pick them and what ends them early.
/// </summary>
public sealed record ServingRequest
{
    public required IReadOnlyList<int> Prompt { get; init; }

    /// <summary>The most new tokens (fewer when the context window ends first).</summary>
    public int MaxTokens { get; init; } = 16;

    /// <summary>0 is greedy (the most likely token every step); above 0 samples after dividing the logits by it.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: among the fewest most likely tokens whose probabilities reach it; 1 keeps them all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seeds this request's own generator: the same seed gives the same tokens whatever else runs in the batch. Null: random.</summary>
    public long? Seed { get; init; }

    /// <summary>Tokens that end the completion (not included), besides the tokenizer's EOS, which always does.</summary>
    public IReadOnlySet<int> StopIds { get; init; } = new HashSet<int>();

    /// <summary>Texts that end the completion; the text stops just before the first one and never streams any of it.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>When the request gives up (waiting or running): it ends at the next token boundary with <see cref="FinishReason.Deadline"/>.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>A clear <see cref="ArgumentException"/> for what the model cannot run; the HTTP layer maps it to a 400.</summary>
    public void Validate(int vocabSize, int contextWindow)
    {
        if (Prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token");
        if (Prompt.Count >= contextWindow) throw new ArgumentException($"a prompt of {Prompt.Count} tokens leaves no room in the model's context window of {contextWindow} tokens");
        foreach (var token in Prompt.Where(t => t < 0 || t >= vocabSize)) throw new ArgumentException($"prompt token {token} is outside the vocabulary of {vocabSize} tokens");
        if (MaxTokens < 1) throw new ArgumentException($"max_tokens must be 1 or more, not {MaxTokens}");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"temperature must be 0 or more, not {Temperature}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top_p must be in (0, 1], not {TopP}");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("a stop string must not be empty");
    }
}
