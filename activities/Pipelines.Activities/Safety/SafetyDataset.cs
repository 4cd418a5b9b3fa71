using Pipelines.Activities.Data;
using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Safety;

/// <summary>
/// Reads the data <c>eval.safety</c> checks: JSONL, one object per line with <c>prompt</c> (or <c>input</c>) and
/// optionally <c>completion</c>, <c>context</c> (the text grounding compares with) and the output already generated,
/// as <c>output</c> or <c>prediction</c> — so eval.metrics' <c>predictions</c> file reads as it is. Unlike
/// <see cref="EvaluationDataset"/>, no record needs a reference completion: safety checks outputs, not answers.
/// </summary>
public static class SafetyDataset
{
    /// <exception cref="InvalidDataException">A line is not a JSON object with a prompt, or the file has no records; the message names file and line.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static IReadOnlyList<EvaluationRecord> Load(string path, CancellationToken ct = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the dataset file does not exist; give a JSONL file of {{prompt, ...}} records or its artifact.", path);
        var records = new List<EvaluationRecord>();
        using (var stream = File.OpenRead(path))
        {
            foreach (var raw in JsonlReader.Read(stream, ct))
            {
                if (raw.Fields is not { } fields) throw new InvalidDataException($"{path}:{raw.Number}: {raw.Failure}.");
                var prompt = fields.GetValueOrDefault("prompt") ?? fields.GetValueOrDefault("input")
                             ?? throw new InvalidDataException($"{path}:{raw.Number}: the record has no \"prompt\" (its keys: {string.Join(", ", fields.Keys)}).");
                records.Add(new EvaluationRecord(raw.Number, prompt, fields.GetValueOrDefault("completion") ?? fields.GetValueOrDefault("reference") ?? "", fields));
            }
        }

        return records.Count > 0 ? records : throw new InvalidDataException($"{path}: the dataset has no records.");
    }

    /// <summary>The output the record carries (<c>output</c>, else <c>prediction</c>); null when it has none.</summary>
    public static string? Output(EvaluationRecord record) => record.Fields.GetValueOrDefault("output") ?? record.Fields.GetValueOrDefault("prediction");

    /// <summary>What grounding compares an output with: the record's non-empty <c>context</c>, else its prompt.</summary>
    public static string GroundingSource(EvaluationRecord record) =>
        record.Fields.GetValueOrDefault("context") is { Length: > 0 } context ? context : record.Prompt;
}
