using System.Text.Json;
using Pipelines.Activities.Models;

namespace Pipelines.Activities.Training;

/// <summary>
/// Reads a JSONL dataset for causal-LM fine-tuning. Each line is <c>{"prompt", "completion"}</c> (loss on the completion
/// and the end-of-sequence token only) or <c>{"text"}</c> (loss on every token). Sequences longer than
/// <c>max_seq_len</c> are cut at the end; BOS leads where the tokenizer asks for it, EOS always ends. A line that is not such an object is an error naming file and line.
/// </summary>
public static class TrainingData
{
    public static IReadOnlyList<TrainingExample> Load(string path, TextTokenizer tokenizer, int maxSequenceLength)
    {
        var examples = Records(path).Select(r => Tokenize((r.Prompt, r.Completion), tokenizer, maxSequenceLength, r.Source)).ToList();
        if (examples.Count == 0)
            throw new InvalidDataException($"{path}: the dataset has no examples; write one JSON object per line with prompt/completion or text.");
        return examples;
    }

    /// <summary>
    /// <paramref name="examples"/> end to end, cut into sequences of exactly <paramref name="length"/> tokens (the last
    /// one shorter when the stream does not fill it): labels travel with their ids, so a prompt stays unscored. A
    /// sequence's source names the example it starts in.
    /// </summary>
    public static IReadOnlyList<TrainingExample> Pack(IReadOnlyList<TrainingExample> examples, int length)
    {
        var packed = new List<TrainingExample>();
        var ids = new List<int>(length);
        var labels = new List<int>(length);
        string? source = null;
        foreach (var example in examples)
        {
            for (var i = 0; i < example.Ids.Length; i++)
            {
                source ??= example.Source;
                ids.Add(example.Ids[i]);
                labels.Add(example.Labels[i]);
                if (ids.Count < length) continue;
                packed.Add(new TrainingExample([.. ids], [.. labels], source));
                source = null;
                ids.Clear();
                labels.Clear();
            }
        }

        // A remainder of one token has nothing to predict.
        if (ids.Count > 1) packed.Add(new TrainingExample([.. ids], [.. labels], source!));
        return packed;
    }

    /// <summary>
    /// The records of the file, read as they are asked for: a <c>{"text"}</c> record has no prompt; <c>Source</c> is
    /// <c>path:line</c>. Blank lines are skipped; a line that is not such a record is an error naming file and line.
    /// </summary>
    public static IEnumerable<(string? Prompt, string Completion, string Source)> Records(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the dataset file does not exist.", path);

        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var source = $"{path}:{lineNumber}";
            var (prompt, completion) = Parse(line, source);
            yield return (prompt, completion, source);
        }
    }

    static (string? Prompt, string Completion) Parse(string line, string source)
    {
        JsonElement record;
        try
        {
            record = JsonSerializer.Deserialize<JsonElement>(line);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
        if (record.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected a JSON object with prompt/completion or text.");

        if (record.TryGetProperty("completion", out var completion))
        {
            var prompt = record.TryGetProperty("prompt", out var p) ? p.GetString() : null;
            return (prompt ?? "", completion.GetString() ?? "");
        }
        if (record.TryGetProperty("text", out var text))
            return (null, text.GetString() ?? "");
        throw new InvalidDataException($"{source}: the record has neither \"completion\" nor \"text\"; fine-tuning needs one of them.");
    }

    static TrainingExample Tokenize((string? Prompt, string Completion) record, TextTokenizer tokenizer, int maxLength, string source)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        if (tokenizer.AddBos && tokenizer.BosId is int bos)
        {
            ids.Add(bos);
            labels.Add(TrainingExample.Ignored);
        }
        if (record.Prompt is { } prompt)
        {
            foreach (var id in tokenizer.Encode(prompt))
            {
                ids.Add(id);
                labels.Add(TrainingExample.Ignored);
            }
        }
        foreach (var id in tokenizer.Encode(record.Completion))
        {
            ids.Add(id);
            labels.Add(id);
        }
        ids.Add(tokenizer.EosId);
        labels.Add(tokenizer.EosId);

        if (ids.Count > maxLength)
        {
            ids.RemoveRange(maxLength, ids.Count - maxLength);
            labels.RemoveRange(maxLength, labels.Count - maxLength);
        }
        return new TrainingExample(ids.ToArray(), labels.ToArray(), source);
    }
}
