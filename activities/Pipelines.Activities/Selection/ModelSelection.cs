using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Torch;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Benchmarks candidate local base models on the task — parameters, size, context window, licence, load time, speed,
/// task metrics on a dataset sample, cost per 1k tokens — and picks one by a rule. See docs/safety-and-selection.md.
/// </summary>
[Activity("model.select", Version = 1, Category = "Models", Deterministic = false,
    Description = "Benchmarks candidate local base models (parameters, size, context window, licence, load time, latency and tokens/s, task metrics on a dataset sample, cost per 1k tokens) and picks one by a rule.")]
public sealed class ModelSelection : IActivity<ModelSelectionInputs, ModelSelectionOutputs>
{
    public async Task<ModelSelectionOutputs> ExecuteAsync(ModelSelectionInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        if (inputs.Candidates.Count == 0) throw new ActivityFailedException("candidates is empty: list at least one model folder", retryable: false);
        return await UserErrors.ExplainedAsync(async () =>
        {
            var (outputs, report) = await ArtifactFolder.StoreAsync(context, "report",
                directory => Task.Run(() => Select(inputs, context, directory, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);
            return outputs with { Report = report };
        });
    }

    private static ModelSelectionOutputs Select(ModelSelectionInputs inputs, ActivityContext context, string directory, CancellationToken ct)
    {
        var metrics = inputs.Dataset is null ? null : MetricSet.Parse(inputs.Metrics);
        var rule = inputs.Rule ?? RuleSelection.Default(metrics);
        inputs.ToGenerationOptions().Validate();
        var paths = inputs.Candidates.Select((c, i) => LocalInput.Resolve(c, $"candidates[{i}]", context)).ToList();
        var sample = inputs.Dataset is { } dataset
            ? EvaluationDataset.Sample(EvaluationDataset.Load(LocalInput.Resolve(dataset, "dataset", context), ct), inputs.SampleSize, inputs.Seed)
            : [];
        TorchNative.EnsureLoaded(); // before the first load is timed

        var rows = new List<CandidateRow>();
        for (var i = 0; i < paths.Count; i++)
        {
            context.Progress.Report(new ProgressUpdate((double)i / paths.Count, $"measuring {inputs.Candidates[i]} ({i + 1} of {paths.Count})"));
            var row = CandidateBenchmark.Run(inputs.Candidates[i], paths[i], sample, metrics ?? MetricSet.All, inputs, context.Time, ct);
            context.Log($"{row.Name}: {row.Parameters:N0} parameters, {row.TokensPerSecond:0.0} tokens/s, first token {row.FirstTokenMs:0.0} ms, licence {row.License}"
                        + string.Concat(row.Metrics.Select(m => $", {m.Key} {m.Value:0.####}")));
            rows.Add(row);
        }

        context.Progress.Report(new ProgressUpdate(1, $"measured {rows.Count} candidates"));
        var outcome = RuleSelection.Apply(rule, rows);
        context.Log($"chose {outcome.Reason}");
        SelectionReport.Write(directory, rule, outcome, inputs.Dataset, sample.Count);
        return new ModelSelectionOutputs { Selected = inputs.Candidates[outcome.Selected], Table = outcome.Rows, Rule = rule.ToString(), Reason = outcome.Reason, Report = "" };
    }
}
