namespace Pipelines.Activities.Evaluation;

/// <summary>One model's result on an evaluation sample: its name, each sample's score (in sample order) and the corpus metrics.</summary>
public sealed record EvaluatedSystem(string Name, IReadOnlyList<SampleScore> Samples, IReadOnlyDictionary<string, double> Metrics);
