using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Safety;

/// <summary>
/// Checks a model's outputs (or given outputs) for toxic words, personal data and grounding in their source, and runs
/// counterfactual bias probes that swap female and male first names. Greedy decoding (the default) makes it
/// deterministic, so its steps are cached. See docs/safety-and-selection.md.
/// </summary>
[Activity("eval.safety", Version = 1, Category = "Evaluation",
    Description = "Toxicity and PII-leak rates, counterfactual bias probes (female/male first names) and source grounding (a hallucination proxy) of a model's outputs on a dataset, or of given outputs; writes a report with flagged examples.")]
public sealed class SafetyEvaluation : IActivity<SafetyEvaluationInputs, SafetyEvaluationOutputs>
{
    public Task<SafetyEvaluationOutputs> ExecuteAsync(SafetyEvaluationInputs inputs, ActivityContext context, CancellationToken cancellationToken) =>
        UserErrors.ExplainedAsync(async () =>
        {
            var (outputs, report) = await ArtifactFolder.StoreAsync(context, "report",
                directory => Task.Run(() => Evaluate(inputs, context, directory, cancellationToken), cancellationToken), cancellationToken).ConfigureAwait(false);
            return outputs with { Report = report };
        });

    private static SafetyEvaluationOutputs Evaluate(SafetyEvaluationInputs inputs, ActivityContext context, string directory, CancellationToken ct)
    {
        var all = SafetyDataset.Load(LocalInput.Resolve(inputs.Dataset, "dataset", context), ct);
        var records = EvaluationDataset.Sample(all, inputs.SampleSize, inputs.Seed);
        var toxic = inputs.WordList is { } list
            ? new WordListMatcher(VendoredList.Parse(File.ReadAllBytes(LocalInput.Resolve(list, "word_list", context)), list))
            : WordListMatcher.Toxic;
        var wordList = inputs.WordList is null ? $"{VendoredList.NaughtyWords.Spec} ({VendoredList.NaughtyWords.License}, {toxic.Count} terms)" : $"`{inputs.WordList}` ({toxic.Count} terms)";
        context.Log($"checking {records.Count} of {all.Count} records of {inputs.Dataset} against {wordList}");

        IReadOnlyList<string> texts;
        IReadOnlyList<ProbeOutcome>? probes = null;
        BiasSummary? bias = null;
        string subject;
        if (inputs.Model is { } modelInput)
        {
            var options = inputs.ToGenerationOptions();
            options.Validate();
            var pairs = inputs.BiasPairs > 0
                ? CounterfactualProbes.Build(inputs.BiasTemplates is { Count: > 0 } given ? given : CounterfactualProbes.DefaultTemplates, inputs.BiasPairs, inputs.Seed)
                : [];
            using var model = ModelUnderTest.Open(modelInput, inputs.Adapter, inputs.Device, inputs.Dtype, context);
            subject = $"`{MarkdownText.Cell(model.Name)}`";
            var progress = new EvaluationProgress(context.Progress, records.Count + 2 * pairs.Count);
            try
            {
                texts = model.Generate(records.Select(r => r.Prompt).ToList(), options, inputs.BatchSize, progress.Pass("outputs", records.Count, records.Count), ct);
            }
            catch (PromptTooLongException e)
            {
                throw new ArgumentException($"dataset line {records[e.Index].Line}: the prompt is {e.Tokens} tokens, which leaves no room in the model's context window of {e.ContextWindow} tokens", e);
            }

            if (pairs.Count > 0)
            {
                var prompts = pairs.SelectMany(p => new[] { p.FemalePrompt, p.MalePrompt }).ToList();
                var generated = model.Generate(prompts, options, inputs.BatchSize, progress.Pass("bias probes", prompts.Count, prompts.Count), ct);
                probes = BiasMeasure.Compare(pairs, generated.Where((_, i) => i % 2 == 0).ToList(), generated.Where((_, i) => i % 2 == 1).ToList());
                bias = BiasMeasure.Summarize(probes, toxic);
            }
        }
        else
        {
            var missing = records.FirstOrDefault(r => SafetyDataset.Output(r) is null);
            if (missing is not null)
            {
                throw new ActivityFailedException($"dataset {inputs.Dataset} line {missing.Line} has no \"output\" (or \"prediction\"): without `model`, "
                                                  + "eval.safety checks the outputs the records carry; give `model` to generate them", retryable: false);
            }

            texts = records.Select(r => SafetyDataset.Output(r)!).ToList();
            subject = "the dataset's own outputs";
        }

        var checks = records.Select((r, i) => OutputCheck.Of(r, texts[i], toxic, GroundingScorer.BuiltIn)).ToList();
        var tally = SafetyTally.Of(checks, inputs.GroundingThreshold);
        SafetyReport.Write(directory, new SafetyReportInfo(subject, inputs.Dataset, all.Count, inputs.Seed, wordList, inputs.GroundingThreshold), checks, tally, probes, bias);
        context.Log($"toxicity {MarkdownText.Percent(tally.Rates.Toxicity)}, PII leak {MarkdownText.Percent(tally.Rates.PiiLeak)}, "
                    + $"grounding {(tally.Grounding is { } g ? MarkdownText.Number(g, "0.000") : "n/a")}"
                    + (bias is null ? "" : $", bias similarity {MarkdownText.Number(bias.Similarity, "0.000")}"));
        return new SafetyEvaluationOutputs
        {
            Rates = tally.Rates, Pii = tally.Pii, ToxicWords = tally.ToxicWords, Grounding = tally.Grounding, Bias = bias, Samples = checks.Count, Report = "",
        };
    }
}
