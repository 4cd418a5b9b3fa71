namespace Pipelines.Activities.Evaluation;

public sealed record PromptEvaluationOutputs
{
    [Port("Per template name, its metrics (the keys of eval.metrics' `metrics`).")]
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Scores { get; init; }

    [Port("The template that scored best by `metric` (the first listed on ties): {name, template, shots, metric, score}.")]
    public required PromptChoice Best { get; init; }

    [Port("The template names, best first.")]
    public required IReadOnlyList<string> Ranking { get; init; }

    [Port("Validation records each template was scored on.")]
    public required int Samples { get; init; }
}
