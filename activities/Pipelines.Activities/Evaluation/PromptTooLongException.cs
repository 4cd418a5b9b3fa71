namespace Pipelines.Activities.Evaluation;

/// <summary>A prompt fills the model's context window, so nothing can be generated after it.</summary>
public sealed class PromptTooLongException(int index, int tokens, int contextWindow)
    : ArgumentException($"prompt {index + 1} is {tokens} tokens, which leaves no room in the model's context window of {contextWindow} tokens")
{
    /// <summary>The prompt's position in the list given to <see cref="ModelUnderTest.Generate"/>, from 0.</summary>
    public int Index { get; } = index;

    public int Tokens { get; } = tokens;

    public int ContextWindow { get; } = contextWindow;
}
