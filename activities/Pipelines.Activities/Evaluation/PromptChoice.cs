namespace Pipelines.Activities.Evaluation;

/// <summary>The template that scored best.</summary>
public sealed record PromptChoice
{
    [Port("The template's name.")]
    public required string Name { get; init; }

    [Port("The template's text, as given.")]
    public required string Template { get; init; }

    [Port("Its number of examples.")]
    public required int Shots { get; init; }

    [Port("The metric templates were ranked by.")]
    public required string Metric { get; init; }

    [Port("Its value of that metric.")]
    public required double Score { get; init; }
}
