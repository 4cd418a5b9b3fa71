using System.Globalization;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Scores prompt templates — zero-shot, and few-shot with examples drawn from the train split — by generating with a
/// base model on a validation sample, with the generation and scoring of eval.metrics; reports every template's
/// metrics and the best by one metric.
/// </summary>
[Activity("prompt.evaluate", Version = 1, Category = "Prompting",
    Description = "Scores zero-shot and few-shot prompt templates with a base model on a validation sample (examples drawn from the train split) and reports the best.")]
public sealed class PromptEvaluation : IActivity<PromptEvaluationInputs, PromptEvaluationOutputs>
{
    public Task<PromptEvaluationOutputs> ExecuteAsync(PromptEvaluationInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(() => Task.Run(() => Evaluate(inputs, context, cancellationToken), cancellationToken));

    private static PromptEvaluationOutputs Evaluate(PromptEvaluationInputs inputs, ActivityContext context, CancellationToken ct)
    {
        var candidates = inputs.Templates;
        if (candidates.Count == 0) throw new ArgumentException("templates is empty; give at least one {name, template}");
        if (candidates.Select(c => c.Name).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two templates are named '{twice.Key}'; names must differ");
        var templates = candidates.Select(c => FewShotPrompts.Parse(c, inputs.ShotTemplate)).ToArray();
        var metrics = MetricSet.Parse(inputs.Metrics).With(inputs.Metric);
        var options = inputs.ToGenerationOptions();
        options.Validate();

        var records = EvaluationDataset.Sample(EvaluationDataset.Load(LocalInput.Resolve(inputs.Dataset, "dataset", context), ct), inputs.SampleSize, inputs.Seed);
        var maxShots = candidates.Max(c => c.Shots);
        IReadOnlyList<EvaluationRecord> train = [];
        var draws = records.Select(_ => Array.Empty<int>()).ToArray();
        if (maxShots > 0)
        {
            var path = inputs.Train is { } given
                ? LocalInput.Resolve(given, "train", context)
                : throw new ArgumentException($"template '{candidates.First(c => c.Shots > 0).Name}' wants {maxShots} examples; give `train`, the records to draw them from");
            train = EvaluationDataset.Load(path, ct);
            draws = FewShotPrompts.Draw(records, train, maxShots, inputs.Seed);
        }

        var references = records.Select(r => r.Reference).ToArray();
        var units = SampleScorer.Units(records.Count, metrics);
        var progress = new EvaluationProgress(context.Progress, units * candidates.Count);
        using var model = ModelUnderTest.Open(inputs.Model, inputs.Adapter, inputs.Device, inputs.Dtype, context);
        context.Log($"scoring {candidates.Count} templates on {records.Count} records with {model.Name} ({model.Model.Architecture}, on {model.Model.Device.type})");

        var scores = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        for (var t = 0; t < candidates.Count; t++)
        {
            var name = candidates[t].Name;
            var prompts = records.Select((r, i) => templates[t].Render(r, draws[i].Select(j => train[j]).ToArray(), name)).ToArray();
            IReadOnlyList<SampleScore> samples;
            try
            {
                samples = SampleScorer.Evaluate(model, prompts, references, metrics, options, inputs.BatchSize, done: progress.Pass(name, units, records.Count), ct: ct);
            }
            catch (PromptTooLongException e)
            {
                throw new ArgumentException($"template '{name}', dataset line {records[e.Index].Line}: the prompt is {e.Tokens} tokens, "
                    + $"which leaves no room in the model's context window of {e.ContextWindow} tokens; use fewer shots or shorter examples", e);
            }

            scores[name] = CorpusMetrics.Of(samples, metrics);
            context.Log($"{name}: {inputs.Metric} {Value(scores[name], inputs.Metric).ToString("0.####", CultureInfo.InvariantCulture)}");
        }

        var sign = MetricSet.LowerIsBetter(inputs.Metric) ? -1 : 1;
        var ranking = candidates.Select((c, i) => (c.Name, Index: i)).OrderByDescending(c => sign * Value(scores[c.Name], inputs.Metric)).ThenBy(c => c.Index)
            .Select(c => c.Name).ToArray();
        var best = candidates.First(c => c.Name == ranking[0]);
        if (!double.IsFinite(Value(scores[best.Name], inputs.Metric)))
            throw new ArgumentException($"no template could be scored by {inputs.Metric}: every prompt filled the context window");
        return new PromptEvaluationOutputs
        {
            Scores = scores,
            Best = new PromptChoice { Name = best.Name, Template = best.Template, Shots = best.Shots, Metric = inputs.Metric, Score = Value(scores[best.Name], inputs.Metric) },
            Ranking = ranking,
            Samples = records.Count,
        };
    }

    /// <summary>A template's value of the ranking metric; a metric it lacks (perplexity with no scored token) ranks it last.</summary>
    private static double Value(IReadOnlyDictionary<string, double> metrics, string metric) =>
        metrics.TryGetValue(metric, out var value) ? value : MetricSet.LowerIsBetter(metric) ? double.PositiveInfinity : double.NegativeInfinity;
}
