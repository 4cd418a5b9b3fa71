using Pipelines.Activities.Models.Generation;

namespace Pipelines.Activities.Evaluation;

/// <summary>What every activity that generates to evaluate takes: decoding settings, batching, device and seed.</summary>
public record GenerationInputs
{
    [Port("The most tokens generated per prompt (fewer when the context window ends first).")]
    [Range(1, 1_048_576)]
    public int MaxNewTokens { get; init; } = 64;

    [Port("Always take the most likely token (deterministic, so the step is cached); false samples with temperature and top_p.")]
    public bool Greedy { get; init; } = true;

    [Port("Sampling temperature (with greedy: false): below 1 sharper, above 1 flatter; 0 is greedy.")]
    [Range(0, 100)]
    public double Temperature { get; init; } = 1.0;

    [Port("Nucleus sampling (with greedy: false): sample among the most likely tokens whose probabilities reach top_p.")]
    [Range(0, 1)]
    public double TopP { get; init; } = 1.0;

    [Port("Texts that end a generation; the prediction stops just before the first one (e.g. \"\\n\").")]
    public IReadOnlyList<string> Stop { get; init; } = [];

    [Port("Prompts generated together (left-padded); larger is faster on a GPU and uses more memory.")]
    [Range(1, 65_536)]
    public int BatchSize { get; init; } = 8;

    [Port("Where to run: cuda when a CUDA libtorch and a GPU are present (auto picks it), else cpu.")]
    [OneOf("auto", "cpu", "cuda")]
    public string Device { get; init; } = "auto";

    [Port("Precision of the model's weights.")]
    [OneOf("float32", "bfloat16")]
    public string Dtype { get; init; } = "float32";

    [Port("Seed for drawing the sample (and few-shot examples), sampling tokens and the bootstrap: the same seed gives the same result.")]
    public int Seed { get; init; } = 42;

    /// <summary>The decoding settings as <see cref="TextGenerator"/> takes them.</summary>
    public GenerationOptions ToGenerationOptions() => new()
    {
        MaxNewTokens = MaxNewTokens,
        Greedy = Greedy,
        Temperature = Temperature,
        TopP = TopP,
        StopSequences = Stop,
        Seed = Seed,
    };
}
