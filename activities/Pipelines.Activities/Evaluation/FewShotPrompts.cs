using Pipelines.Activities.Data;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// The prompts of zero- and few-shot templates: examples drawn from a train split for each scored record, and the
/// template rendered around the record's fields with the examples at <c>{shots}</c>.
/// </summary>
internal sealed class FewShotPrompts
{
    private const string ShotsField = "shots";

    private readonly PromptTemplate _template;
    private readonly PromptTemplate _shot;
    private readonly int _shots;

    private FewShotPrompts(PromptTemplate template, PromptTemplate shot, int shots) => (_template, _shot, _shots) = (template, shot, shots);

    /// <summary>Parses a candidate's template and shot template.</summary>
    /// <exception cref="ArgumentException">A template is malformed, or reads {completion} — the answer being scored.</exception>
    public static FewShotPrompts Parse(PromptCandidate candidate, string defaultShotTemplate)
    {
        var template = PromptTemplate.Parse(candidate.Template, out var error)
            ?? throw new ArgumentException($"template '{candidate.Name}': {error}");
        if (template.Fields.Contains("completion"))
        {
            throw new ArgumentException($"template '{candidate.Name}' reads {{completion}}, the reference it is scored against; "
                + "examples show completions through shot_template and {shots}");
        }

        var shotSource = candidate.ShotTemplate ?? defaultShotTemplate;
        var shot = PromptTemplate.Parse(shotSource, out error)
            ?? throw new ArgumentException($"shot template of '{candidate.Name}': {error}");
        return new FewShotPrompts(template, shot, candidate.Shots);
    }

    /// <summary>
    /// For each sample, <paramref name="shots"/> distinct indices into <paramref name="train"/>, in drawing order. A
    /// sample's examples depend only on <paramref name="seed"/> and its line, and never include a train record whose
    /// prompt is the sample's own (the same record, when train and validation are one file).
    /// </summary>
    /// <exception cref="ArgumentException">The train split has too few other records.</exception>
    public static int[][] Draw(IReadOnlyList<EvaluationRecord> samples, IReadOnlyList<EvaluationRecord> train, int shots, int seed)
    {
        var draws = new int[samples.Count][];
        var order = new int[train.Count];
        for (var s = 0; s < samples.Count; s++)
        {
            for (var i = 0; i < order.Length; i++) order[i] = i;
            new Random(unchecked(seed * 1_000_003 + samples[s].Line)).Shuffle(order);
            var prompt = samples[s].Prompt;
            draws[s] = order.Where(i => !string.Equals(train[i].Prompt, prompt, StringComparison.Ordinal)).Take(shots).ToArray();
            if (draws[s].Length < shots)
            {
                throw new ArgumentException(
                    $"train has {draws[s].Length} records other than dataset line {samples[s].Line}, too few for {shots} examples");
            }
        }

        return draws;
    }

    /// <summary>The prompt for <paramref name="record"/> with the first of <paramref name="examples"/> this template wants.</summary>
    /// <exception cref="ArgumentException">A field the template reads is missing from the record.</exception>
    public string Render(EvaluationRecord record, IReadOnlyList<EvaluationRecord> examples, string name)
    {
        var shots = string.Concat(examples.Take(_shots).Select(example =>
        {
            var fields = new Dictionary<string, string>(example.Fields) { ["prompt"] = example.Prompt, ["completion"] = example.Reference };
            return _shot.Render(fields, out var missing)
                ?? throw new ArgumentException($"shot template of '{name}': the train record on line {example.Line} has no field '{missing}'");
        }));

        var values = new Dictionary<string, string>(record.Fields) { ["prompt"] = record.Prompt, [ShotsField] = shots };
        values.Remove("completion");
        var text = _template.Render(values, out var lacking)
            ?? throw new ArgumentException($"template '{name}': dataset line {record.Line} has no field '{lacking}'");
        return _template.Fields.Contains(ShotsField) ? text : shots + text;
    }
}
