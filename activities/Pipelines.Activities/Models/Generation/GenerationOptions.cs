namespace Pipelines.Activities.Models.Generation;

/// <summary>How <see cref="TextGenerator"/> picks tokens and when it stops; <see cref="Validate"/> runs before anything is computed.</summary>
public sealed record GenerationOptions
{
    /// <summary>The most tokens added to each prompt (fewer when the context window ends first).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Always the most likely token; temperature, top-k, top-p and the seed are then unused.</summary>
    public bool Greedy { get; init; }

    /// <summary>Divides the logits before sampling: below 1 sharper, above 1 flatter; 0 means greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Sample among the k most likely tokens only; 0 keeps them all.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: among the fewest most likely tokens whose probabilities reach p; 1 keeps them all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Texts that end a generation; the returned text stops just before the first one.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Seeds sampling (a torch.Generator on the CPU): the same seed, model and prompts give the same text. Null: a random seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Reuse earlier keys and values (a <see cref="KvCache"/>); false recomputes the whole sequence each step (for checking).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Greedy, or a temperature of 0.</summary>
    public bool IsGreedy => Greedy || Temperature == 0;

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be 0 or more, not {MaxNewTokens}");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"temperature must be 0 or more, not {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top-k must be 0 (off) or more, not {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1], not {TopP}");
        if (StopSequences.Any(string.IsNullOrEmpty)) throw new ArgumentException("a stop sequence must not be empty");
    }
}
