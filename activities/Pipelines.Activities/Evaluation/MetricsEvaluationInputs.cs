namespace Pipelines.Activities.Evaluation;

public sealed record MetricsEvaluationInputs : GenerationInputs
{
    [Port("The model to evaluate: a Hugging Face–format folder, as an artifact (artifact://sha256/...) or a local path.")]
    [LocalPath]
    public required string Model { get; init; }

    [Port("A LoRA adapter (PEFT format, e.g. train.lora's `adapter`) applied to `model`.")]
    [LocalPath]
    public string? Adapter { get; init; }

    [Port("The test data: a JSONL artifact or file of {prompt, completion} (e.g. data.curate's `test`); the model continues each prompt and the completion is the reference.")]
    [LocalPath]
    public required string Dataset { get; init; }

    [Port("A model to compare with, scored the same way on the same samples (e.g. the base model or the production model).")]
    [LocalPath]
    public string? Baseline { get; init; }

    [Port("A LoRA adapter applied to the baseline; without `baseline`, the baseline is `model` with this adapter.")]
    [LocalPath]
    public string? BaselineAdapter { get; init; }

    [Port("What to compute: rouge (rouge1, rouge2, rougeL, rougeLsum), bleu, chrf, exact_match, perplexity, length (avg_length, length_ratio).")]
    public IReadOnlyList<string> Metrics { get; init; } = MetricSet.AllGroups;

    [Port("Evaluate at most this many records, drawn by `seed` (kept in file order); all records when not set.")]
    [Range(1, 100_000_000)]
    public int? SampleSize { get; init; }

    [Port("Paired bootstrap resamples for the confidence intervals of `delta`.")]
    [Range(1, 1_000_000)]
    public int BootstrapSamples { get; init; } = 1000;

    [Port("Confidence level of the intervals in `delta`.")]
    [Range(0.5, 0.999)]
    public double Confidence { get; init; } = 0.95;

    [Port("ROUGE with the Porter stemmer (rouge_score's use_stemmer).")]
    public bool RougeStem { get; init; }

    [Port("How many best and how many worst samples the report shows.")]
    [Range(0, 1000)]
    public int ReportCases { get; init; } = 10;
}
