using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// What happens to one record between reading and deduplication: its fields are checked against the template, the
/// text the prompt's (or a text record's) fields bring in (the content) is filtered, the fields are redacted, then the
/// prompt (or text) is rendered and the duplicate key and MinHash signature are computed over the redacted content.
/// </summary>
internal sealed class RecordProcessor(CurationSettings settings)
{
    private const int SnippetLength = 160;

    /// <summary>Everything one file gave: examples, drops, quarantined records and redaction counts.</summary>
    public sealed class Outcome
    {
        public List<CurationExample> Examples { get; } = [];

        public List<FilteredRecord> Filtered { get; } = [];

        public List<QuarantinedRecord> Quarantined { get; } = [];

        public int[] Redactions { get; } = new int[PiiKinds.All.Count];

        public int Records { get; set; }
    }

    public void Process(SourceFile file, RawRecord raw, bool isMail, Outcome outcome)
    {
        outcome.Records++;
        if (raw.Fields is null)
        {
            outcome.Quarantined.Add(new QuarantinedRecord(file.Name, raw.Number, raw.Failure ?? "unreadable", Redact(raw.Excerpt)));
            return;
        }

        var fields = raw.Fields;
        if (isMail)
        {
            fields = new Dictionary<string, string>((IDictionary<string, string>)fields, StringComparer.Ordinal)
            {
                ["folder"] = file.Folder,
                ["label"] = Label(file.Folder),
            };
        }

        // Text records read only their template; prompt/completion records read the prompt's fields and the completion.
        var template = settings.Text ?? (isMail ? settings.MailPrompt : settings.RecordPrompt);
        var completionField = settings.Text is not null ? null : isMail ? settings.MailCompletion : settings.RecordCompletion;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in completionField is null ? template.Fields : template.Fields.Append(completionField))
        {
            if (!fields.TryGetValue(name, out var value))
            {
                var known = string.Join(", ", fields.Keys.Take(12));
                var reader = name == completionField ? "completion_field" : settings.Text is null ? "prompt_template" : "text_template";
                outcome.Quarantined.Add(new QuarantinedRecord(file.Name, raw.Number,
                    $"no field '{name}' (read by {reader}); the record has: {known}", Redact(Describe(fields))));
                return;
            }

            values[name] = isMail ? value : TextNormalizer.Normalize(value);
        }

        var content = Content(template, values);
        var completion = completionField is null ? null : values[completionField];
        if (settings.Filters.FirstFailure(content, completion) is { } failure)
        {
            outcome.Filtered.Add(new FilteredRecord(failure.Rule, file.Name, raw.Number, failure.Measured, Snippet(content.Length > 0 ? content : completion ?? "")));
            return;
        }

        foreach (var name in values.Keys.ToArray())
        {
            values[name] = settings.Redactor.Redact(values[name], outcome.Redactions);
        }

        content = Content(template, values);
        completion = completionField is null ? null : values[completionField];
        var prompt = TextNormalizer.Normalize(template.Render(values, out _)!) + template.TrailingWhitespace;
        outcome.Examples.Add(new CurationExample(file.Name, raw.Number, prompt, completion, Key(content, completion ?? ""), settings.Hasher?.Signature(content))
        {
            ContentWords = Words.Count(content),
        });
    }

    /// <summary>A folder name as a class label: easy-ham-1 → easy-ham, spam_2 → spam.</summary>
    public static string Label(string folder)
    {
        var end = folder.Length;
        while (end > 0 && char.IsAsciiDigit(folder[end - 1])) end--;
        return end < folder.Length && end > 1 && folder[end - 1] is '-' or '_' ? folder[..(end - 1)] : folder;
    }

    /// <summary>The key of normalised text: case-folded words, punctuation and spacing ignored.</summary>
    public static UInt128 Key(string content, string completion)
    {
        ulong low = 0x243f6a8885a308d3UL, high = 0x13198a2e03707344UL;
        foreach (var word in new WordEnumerator(content)) Fold(ref low, ref high, Words.Hash(word));
        Fold(ref low, ref high, 0x1UL); // the boundary: "a b" + "c" differs from "a" + "b c"
        foreach (var word in new WordEnumerator(completion)) Fold(ref low, ref high, Words.Hash(word));
        return new UInt128(high, low);
    }

    private static void Fold(ref ulong low, ref ulong high, ulong word)
    {
        low = StableHash.Combine(low, word);
        high = StableHash.Mix(high * 0x9e3779b97f4a7c15UL ^ word);
    }

    private static string Content(PromptTemplate template, Dictionary<string, string> values)
    {
        if (template.Fields.Count == 1) return values[template.Fields[0]];
        var builder = new StringBuilder();
        foreach (var field in template.Fields)
        {
            if (builder.Length > 0) builder.Append("\n\n");
            builder.Append(values[field]);
        }

        return builder.ToString();
    }

    private string Snippet(string text) => Redact(text.Length <= SnippetLength ? text : text[..SnippetLength] + "…")!;

    private string? Redact(string? text) => text is null ? null : settings.Redactor.Redact(text, new int[PiiKinds.All.Count]);

    private static string Describe(IReadOnlyDictionary<string, string> fields) =>
        JsonlReader.Excerpt(string.Join("; ", fields.Select(f => $"{f.Key}={f.Value}")));
}
