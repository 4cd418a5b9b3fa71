using System.Globalization;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Generates on a test set with a model (and adapter), scores the predictions against the references, and — with a
/// baseline — scores the baseline on the same samples and puts paired-bootstrap intervals on every difference. Writes
/// an HTML report and the predictions. Greedy decoding (the default) makes it deterministic, so its steps are cached.
/// </summary>
[Activity("eval.metrics", Version = 1, Category = "Evaluation",
    Description = "Generates on a test set and scores ROUGE, BLEU, chrF, exact match, perplexity and length; compares with a baseline model using paired-bootstrap confidence intervals; writes an HTML report of the best and worst samples.")]
public sealed class MetricsEvaluation : IActivity<MetricsEvaluationInputs, MetricsEvaluationOutputs>
{
    public async Task<MetricsEvaluationOutputs> ExecuteAsync(MetricsEvaluationInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var result = await UserErrors.ExplainedAsync(() => Task.Run(() => Evaluate(inputs, context, cancellationToken), cancellationToken));

        var report = await context.Artifacts.PutTextAsync(result.ToHtml(), "report", cancellationToken);
        var predictions = await context.Artifacts.PutTextAsync(
            PredictionsFile.Write(result.Records, result.Model, result.Baseline), "dataset", cancellationToken);
        return new MetricsEvaluationOutputs
        {
            Metrics = result.Model.Metrics,
            BaselineMetrics = result.Baseline?.Metrics,
            Delta = result.Delta,
            Samples = result.Records.Count,
            Report = report.Uri,
            Predictions = predictions.Uri,
        };
    }

    private static EvaluationReport Evaluate(MetricsEvaluationInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var metrics = MetricSet.Parse(inputs.Metrics);
        var options = inputs.ToGenerationOptions();
        options.Validate();
        var records = EvaluationDataset.Sample(EvaluationDataset.Load(LocalInput.Resolve(inputs.Dataset, "dataset", context), ct), inputs.SampleSize, inputs.Seed);
        var hasBaseline = inputs.Baseline is not null || inputs.BaselineAdapter is not null;
        context.Log($"evaluating {records.Count} records on {metrics}{(hasBaseline ? ", against a baseline" : "")}");

        var units = SampleScorer.Units(records.Count, metrics);
        var progress = new EvaluationProgress(context.Progress, units * (hasBaseline ? 2 : 1));
        var prompts = records.Select(r => r.Prompt).ToArray();
        var references = records.Select(r => r.Reference).ToArray();

        EvaluatedSystem Run(string label, string model, string? adapter)
        {
            using var loaded = ModelUnderTest.Open(model, adapter, inputs.Device, inputs.Dtype, context, label);
            context.Log($"{label}: {loaded.Name} ({loaded.Model.Architecture}, on {loaded.Model.Device.type})");
            IReadOnlyList<SampleScore> samples;
            try
            {
                samples = SampleScorer.Evaluate(loaded, prompts, references, metrics, options, inputs.BatchSize, inputs.RougeStem,
                    progress.Pass(label, units, records.Count), ct);
            }
            catch (PromptTooLongException e)
            {
                throw new ArgumentException($"dataset line {records[e.Index].Line}: the prompt is {e.Tokens} tokens, which leaves no room in the {label}'s context window of {e.ContextWindow} tokens", e);
            }

            var system = new EvaluatedSystem(loaded.Name, samples, CorpusMetrics.Of(samples, metrics));
            context.Log($"{label}: {string.Join(", ", system.Metrics.Select(m => $"{m.Key} {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}"))}");
            return system;
        }

        var model = Run("model", inputs.Model, inputs.Adapter);
        var baseline = hasBaseline ? Run("baseline", inputs.Baseline ?? inputs.Model, inputs.BaselineAdapter) : null;
        IReadOnlyDictionary<string, MetricDelta>? delta = null;
        if (baseline is not null)
        {
            context.Progress.Report(new ProgressUpdate(1, $"comparing: {inputs.BootstrapSamples} paired bootstrap resamples"));
            delta = PairedBootstrap.Compare(records.Count, i => CorpusMetrics.Of(model.Samples, metrics, i), i => CorpusMetrics.Of(baseline.Samples, metrics, i),
                inputs.BootstrapSamples, inputs.Confidence, inputs.Seed, ct);
            context.Log("model − baseline: " + string.Join(", ", delta.Select(d => string.Create(CultureInfo.InvariantCulture,
                $"{d.Key} {d.Value.Difference:+0.####;-0.####;0} [{d.Value.Low:0.####}, {d.Value.High:0.####}]{(d.Value.Significant ? "*" : "")}"))));
        }

        return new EvaluationReport
        {
            Title = "Evaluation report",
            Settings = Settings(inputs, hasBaseline),
            Records = records,
            Model = model,
            Baseline = baseline,
            Delta = delta,
            Confidence = inputs.Confidence,
            Cases = inputs.ReportCases,
        };
    }

    private static List<KeyValuePair<string, string>> Settings(MetricsEvaluationInputs inputs, bool hasBaseline)
    {
        var settings = new List<KeyValuePair<string, string>> { new("model", inputs.Model) };
        if (inputs.Adapter is { } adapter) settings.Add(new("adapter", adapter));
        if (hasBaseline) settings.Add(new("baseline", inputs.Baseline ?? inputs.Model));
        if (inputs.BaselineAdapter is { } baselineAdapter) settings.Add(new("baseline adapter", baselineAdapter));
        settings.Add(new("dataset", inputs.Dataset + (inputs.SampleSize is { } size ? $" (at most {size} records, seed {inputs.Seed})" : "")));
        settings.Add(new("decoding", (inputs.Greedy || inputs.Temperature == 0
            ? "greedy"
            : string.Create(CultureInfo.InvariantCulture, $"sampling, temperature {inputs.Temperature}, top_p {inputs.TopP}, seed {inputs.Seed}"))
            + $", max_new_tokens {inputs.MaxNewTokens}" + (inputs.Stop.Count > 0 ? $", stop {string.Join(" ", inputs.Stop.Select(s => System.Text.Json.JsonSerializer.Serialize(s)))}" : "")));
        if (hasBaseline)
        {
            settings.Add(new("intervals", string.Create(CultureInfo.InvariantCulture,
                $"{inputs.Confidence * 100:0.#}% paired bootstrap, {inputs.BootstrapSamples} resamples, seed {inputs.Seed}")));
        }

        return settings;
    }
}
