using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Activities.Serving;

/// <summary>The settings of a <see cref="ContinuousBatcher"/>, checked when it is made.</summary>
public sealed record ContinuousBatcherOptions
{
    /// <summary>The most sequences decoding together; more wait in the queue.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>The most requests waiting for a place; one more is refused at once (HTTP 429).</summary>
    public int MaxWaiting { get; init; } = 64;

    /// <summary>The model's context window (positions), genai_config.json's <c>context_length</c> for our exports.</summary>
    public required int ContextWindow { get; init; }

    /// <summary>Default settings for the ONNX export in <paramref name="directory"/>, its context window read from its genai_config.json.</summary>
    public static ContinuousBatcherOptions ForExport(string directory) => new() { ContextWindow = GenAiConfig.ContextLength(directory) };

    public void Validate()
    {
        if (MaxBatchSize < 1) throw new ArgumentException($"the max batch size must be 1 or more, not {MaxBatchSize}");
        if (MaxWaiting < 0) throw new ArgumentException($"the waiting queue's bound must be 0 or more, not {MaxWaiting}");
        if (ContextWindow < 2) throw new ArgumentException($"the context window must hold at least 2 positions, not {ContextWindow}");
    }
}
