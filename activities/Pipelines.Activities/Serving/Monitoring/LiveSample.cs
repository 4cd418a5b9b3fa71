using Pipelines.Activities.Models;

namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// One prompt as drift detection sees it: its text and its ids as <see cref="TextTokenizer.Encode"/> gives them (no
/// BOS), so the live window is counted exactly as the reference was.
/// </summary>
public sealed record LiveSample(string Prompt, int[] PromptIds)
{
    public static LiveSample Of(string prompt, TextTokenizer tokenizer) => new(prompt, tokenizer.Encode(prompt));
}
