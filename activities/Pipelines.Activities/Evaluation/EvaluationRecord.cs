namespace Pipelines.Activities.Evaluation;

/// <summary>
/// One record of an evaluation dataset: its line in the file, the prompt, the reference completion, and every field
/// of the line as text (for prompt templates that read other fields).
/// </summary>
public sealed record EvaluationRecord(int Line, string Prompt, string Reference, IReadOnlyDictionary<string, string> Fields);
