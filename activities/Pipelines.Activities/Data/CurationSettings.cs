using System.Globalization;
using Pipelines.Diagnostics;

namespace Pipelines.Activities.Data;

/// <summary>
/// The inputs of <c>data.curate</c>, checked and turned into the parts that do the work. Every problem is an
/// <see cref="ActivityFailedException"/> that names the input.
/// </summary>
internal sealed class CurationSettings
{
    public const string DefaultMailPrompt = "Write a subject line for this email.\n\n{body}";
    public const string DefaultMailCompletion = "subject";
    public const string DefaultRecordPrompt = "{prompt}";
    public const string DefaultRecordCompletion = "completion";

    /// <summary>The fields every mail record has: what <see cref="MailParser"/> reads, plus its folder and label.</summary>
    public static readonly IReadOnlyList<string> MailFields = [.. MailParser.FieldNames, "label", "folder"];

    private CurationSettings(DataCurationInputs inputs)
    {
        Inputs = inputs;
        if (inputs.TextTemplate is not null && (inputs.PromptTemplate ?? inputs.CompletionField) is not null)
        {
            throw Bad($"text_template and {(inputs.PromptTemplate is not null ? "prompt_template" : "completion_field")} are both set; a text record has no prompt or completion: "
                      + "give text_template alone (text records for pretraining), or prompt_template and completion_field without it");
        }

        MailPrompt = Template(inputs.PromptTemplate ?? DefaultMailPrompt, "prompt_template");
        RecordPrompt = Template(inputs.PromptTemplate ?? DefaultRecordPrompt, "prompt_template");
        MailCompletion = inputs.CompletionField ?? DefaultMailCompletion;
        RecordCompletion = inputs.CompletionField ?? DefaultRecordCompletion;
        if (inputs.TextTemplate is { } text) Text = Template(text, "text_template");
        Filters = new QualityFilters(inputs.Filters, textRecords: Text is not null);
        Redactor = new PiiRedactor(RedactionKinds(inputs.Redact));
        var near = inputs.NearDuplicates;
        if (near.Enabled)
        {
            if (near.Permutations % near.Bands != 0)
                throw Bad($"near_duplicates.bands ({near.Bands}) must divide near_duplicates.permutations ({near.Permutations}); e.g. bands 16 with permutations 128");
            Hasher = new MinHasher(near.Permutations, near.ShingleSize);
        }

        var split = inputs.Split;
        foreach (var (name, value) in new[] { ("train", split.Train), ("validation", split.Validation), ("test", split.Test) })
        {
            if (value is < 0 or > 1 || double.IsNaN(value)) throw Bad($"split.{name} is {Number(value)}; a fraction must be between 0 and 1");
        }

        var sum = split.Train + split.Validation + split.Test;
        if (Math.Abs(sum - 1) > 1e-6)
            throw Bad($"split fractions add up to {Number(sum)} (train {Number(split.Train)} + validation {Number(split.Validation)} + test {Number(split.Test)}); they must add up to 1");
    }

    public DataCurationInputs Inputs { get; }

    public PromptTemplate MailPrompt { get; }

    public PromptTemplate RecordPrompt { get; }

    public string MailCompletion { get; }

    public string RecordCompletion { get; }

    /// <summary>The template of text records (<c>text_template</c>); null when the records are prompt/completion pairs.</summary>
    public PromptTemplate? Text { get; }

    public QualityFilters Filters { get; }

    public PiiRedactor Redactor { get; }

    /// <summary>Null when near-duplicate detection is off.</summary>
    public MinHasher? Hasher { get; }

    public static CurationSettings From(DataCurationInputs inputs) => new(inputs);

    /// <summary>
    /// The files the source names (see <see cref="SourceResolver"/>); when any of them is mail, refuses a template or
    /// completion field that reads a field mail records do not have, before any file is read.
    /// </summary>
    public IReadOnlyList<SourceFile> ResolveSource(Artifacts.ArtifactStore? artifacts)
    {
        var files = SourceResolver.Resolve(Inputs.Source, Inputs.Format, artifacts);
        if (files.Any(f => f.Format is SourceFormat.Mail or SourceFormat.Mbox or SourceFormat.MailOrJsonl)) CheckMailFields();
        return files;
    }

    private void CheckMailFields()
    {
        foreach (var field in (Text ?? MailPrompt).Fields)
        {
            if (!MailFields.Contains(field))
                throw Bad($"{(Text is null ? "prompt_template" : "text_template")} reads {{{field}}}, which mail records do not have{Suggest(field)}; mail fields: {string.Join(", ", MailFields)}");
        }

        if (Text is null && !MailFields.Contains(MailCompletion))
            throw Bad($"completion_field '{MailCompletion}' is not a mail field{Suggest(MailCompletion)}; mail fields: {string.Join(", ", MailFields)}");
    }

    private static PromptTemplate Template(string text, string input) =>
        PromptTemplate.Parse(text, out var error) ?? throw Bad($"{input}: {error}");

    private static List<PiiKind> RedactionKinds(IReadOnlyList<string> names)
    {
        var kinds = new List<PiiKind>();
        foreach (var name in names)
        {
            if (!PiiKinds.TryParse(name, out var kind))
                throw Bad($"redact: unknown kind '{name}'; known kinds: {string.Join(", ", PiiKinds.All.Select(k => k.Name()))}");
            kinds.Add(kind);
        }

        return kinds;
    }

    private static string Suggest(string field) => NearestName.Hint(field, MailFields) is { } hint ? $" ({hint})" : "";

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static ActivityFailedException Bad(string message) => new(message, retryable: false);
}
