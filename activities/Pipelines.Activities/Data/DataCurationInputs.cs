namespace Pipelines.Activities.Data;

public sealed record QualityFilterOptions
{
    [Port("Fewest characters in the prompt's content (0: no limit).")]
    [Range(0, 100_000_000)]
    public int MinChars { get; init; } = 40;

    [Port("Most characters in the prompt's content (0: no limit).")]
    [Range(0, 100_000_000)]
    public int MaxChars { get; init; } = 20_000;

    [Port("Fewest words in the prompt's content (0: no limit).")]
    [Range(0, 100_000_000)]
    public int MinWords { get; init; } = 8;

    [Port("Most words in the prompt's content (0: no limit).")]
    [Range(0, 100_000_000)]
    public int MaxWords { get; init; } = 3_000;

    [Port("Highest share of non-space characters that are neither letters nor digits (markup, ASCII art, $$$!!!); 1: no limit.")]
    [Range(0, 1)]
    public double MaxSymbolRatio { get; init; } = 0.3;

    [Port("Highest share of non-blank lines that repeat an earlier line of the same content; 1: no limit.")]
    [Range(0, 1)]
    public double MaxRepeatedLineRatio { get; init; } = 0.3;

    [Port("Keep only content that reads as this language (en, de, fr, es, it, nl, pt), judged by the share of its common words; unset: any language.")]
    [OneOf("en", "de", "fr", "es", "it", "nl", "pt")]
    public string? Language { get; init; }
}

public sealed record NearDuplicateOptions
{
    [Port("Whether to look for near duplicates at all.")]
    public bool Enabled { get; init; } = true;

    [Port("Estimated Jaccard similarity of word shingles of the prompts' content from which two records are near duplicates.")]
    [Range(0.05, 1)]
    public double Threshold { get; init; } = 0.8;

    [Port("MinHash permutations per record (the signature length); more is more accurate and slower.")]
    [Range(8, 1024)]
    public int Permutations { get; init; } = 128;

    [Port("LSH bands; must divide `permutations`. More bands find pairs of lower similarity (more candidates to check).")]
    [Range(1, 512)]
    public int Bands { get; init; } = 16;

    [Port("Words per shingle.")]
    [Range(1, 16)]
    public int ShingleSize { get; init; } = 5;

    [Port("`remove`: keep the first of each group; `keep`: keep every member, all in the same split.")]
    [OneOf("remove", "keep")]
    public string Action { get; init; } = "remove";
}

public sealed record SplitFractions
{
    [Port("Share of records for training.")]
    [Range(0, 1)]
    public double Train { get; init; } = 0.8;

    [Port("Share of records for validation.")]
    [Range(0, 1)]
    public double Validation { get; init; } = 0.1;

    [Port("Share of records for testing.")]
    [Range(0, 1)]
    public double Test { get; init; } = 0.1;
}

public sealed record DataCurationInputs
{
    [Port("What to read: a folder (every file under it, dot-files skipped), a file, a glob (data/**/*.jsonl) or an artifact (artifact://sha256/...). Relative paths are relative to the working directory. A changed file (size or modification time) makes the step run again instead of being served from the cache.")]
    [LocalPath]
    public required string Source { get; init; }

    [Port("How to read files: `mail` (one RFC 822 message per file; .mbox files hold many), `jsonl` (one JSON object per line), `csv` (a header row, then records); `auto` decides per file by extension (.jsonl/.ndjson, .csv, else mail; a file of another extension that starts with `{` is JSONL).")]
    [OneOf("auto", "mail", "jsonl", "csv")]
    public string Format { get; init; } = "auto";

    [Port("The prompt, with {field} placeholders ({{ and }} for braces). Mail fields: subject, raw_subject, body, from, to, date, list, label, folder; JSONL/CSV: the record's keys. Unset: \"Write a subject line for this email.\\n\\n{body}\" for mail, \"{prompt}\" otherwise.")]
    public string? PromptTemplate { get; init; }

    [Port("The field that is the completion. Unset: `subject` for mail (the task: write a subject line), `completion` otherwise.")]
    public string? CompletionField { get; init; }

    [Port("Makes a text dataset for causal-LM pretraining instead of prompt/completion pairs: each record is {text, id, source, record}, its text this template with {field} placeholders (e.g. \"Subject: {subject}\\n\\n{body}\" for mail). Filters and near duplicates then read the text its fields bring in. Not with prompt_template or completion_field.")]
    public string? TextTemplate { get; init; }

    [Port("Quality filters on the prompt's content (the text its fields bring in, not the template's own words); a record counts under the first rule it fails.")]
    public QualityFilterOptions Filters { get; init; } = new();

    [Port("PII to replace by typed placeholders ([EMAIL], [PHONE], [IP], [CREDIT_CARD], [URL]) in prompts and completions: any of email, phone, ip, credit_card (Luhn-checked), url.")]
    public IReadOnlyList<string> Redact { get; init; } = ["email", "phone", "ip", "credit_card"];

    [Port("Near-duplicate detection: MinHash signatures over word shingles, LSH banding, groups by union-find.")]
    public NearDuplicateOptions NearDuplicates { get; init; } = new();

    [Port("Fractions of train/validation/test; they must add up to 1. Near-duplicate groups never straddle two splits.")]
    public SplitFractions Split { get; init; } = new();

    [Port("Seeds the split: the same input and seed give byte-identical outputs.")]
    public int Seed { get; init; } = 42;
}
