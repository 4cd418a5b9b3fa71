using Pipelines.Activities.Data;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Reads the JSONL datasets evaluations run on — one <c>{"prompt", "completion", ...}</c> object per line, as
/// <c>data.curate</c> writes its splits — and draws a deterministic sample of them.
/// </summary>
public static class EvaluationDataset
{
    /// <summary>Every record of <paramref name="path"/>, in file order; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not a JSON object, or has no non-empty <c>completion</c>; the message names file and line.</exception>
    public static IReadOnlyList<EvaluationRecord> Load(string path, CancellationToken ct = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path)
                ? $"{path} is a folder; an evaluation dataset is one JSONL file of {{prompt, completion}} objects."
                : $"{path}: the dataset file does not exist.", path);
        }

        var records = new List<EvaluationRecord>();
        using var stream = File.OpenRead(path);
        foreach (var raw in JsonlReader.Read(stream, ct))
        {
            if (raw.Fields is not { } fields) throw new InvalidDataException($"{path}:{raw.Number}: {raw.Failure}.");
            if (!fields.TryGetValue("completion", out var completion) || completion.Length == 0)
            {
                throw new InvalidDataException(
                    $"{path}:{raw.Number}: the record has no {(fields.ContainsKey("completion") ? "non-empty " : "")}\"completion\"; "
                    + "an evaluation needs the reference completion of every record.");
            }

            records.Add(new EvaluationRecord(raw.Number, fields.GetValueOrDefault("prompt") ?? "", completion, fields));
        }

        if (records.Count == 0) throw new InvalidDataException($"{path}: the dataset has no records; write one JSON object per line with prompt and completion.");
        return records;
    }

    /// <summary>
    /// <paramref name="size"/> records drawn without replacement by <paramref name="seed"/>, kept in file order; all of
    /// them when <paramref name="size"/> is null or not smaller than the dataset.
    /// </summary>
    public static IReadOnlyList<EvaluationRecord> Sample(IReadOnlyList<EvaluationRecord> records, int? size, int seed)
    {
        if (size is not { } wanted || wanted >= records.Count) return records;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted, nameof(size));
        var order = Enumerable.Range(0, records.Count).ToArray();
        new Random(seed).Shuffle(order);
        return order.Take(wanted).Order().Select(i => records[i]).ToList();
    }
}
