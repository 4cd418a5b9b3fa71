namespace Pipelines.Activities.Evaluation;

/// <summary>One prompt template prompt.evaluate scores.</summary>
public sealed record PromptCandidate
{
    [Port("The template's name: the key of `scores`.")]
    public required string Name { get; init; }

    [Port("The prompt: {prompt} is the record's prompt, {shots} the rendered examples, any other {field} that field of the record; {{ and }} are literal braces.")]
    public required string Template { get; init; }

    [Port("How many examples from `train` to show (0: zero-shot). They go at {shots}, or before the prompt when the template has no {shots}.")]
    [Range(0, 64)]
    public int Shots { get; init; }

    [Port("How this template renders one example; default: the activity's `shot_template`.")]
    public string? ShotTemplate { get; init; }
}
