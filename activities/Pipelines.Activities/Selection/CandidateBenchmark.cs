using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Measures one candidate model folder: size and licence from its files, load time, speed (<see cref="SpeedBenchmark"/>),
/// and the task metrics on the dataset sample, scored as eval.metrics scores them. The model is freed before the next
/// candidate loads.
/// </summary>
public static class CandidateBenchmark
{
    /// <summary>Timed when no dataset gives prompts: short, ordinary text.</summary>
    public static IReadOnlyList<string> DefaultSpeedPrompts { get; } =
    [
        "Write a short subject line for an e-mail about the quarterly report.",
        "The meeting has been moved to Thursday because",
        "Summarise in one sentence: the server was restarted after the update and is running again.",
    ];

    /// <param name="candidate">The candidate as given (reported as is).</param>
    /// <param name="directory">Its model folder on this machine.</param>
    /// <param name="sample">The records to score on; none without a dataset.</param>
    public static CandidateRow Run(string candidate, string directory, IReadOnlyList<EvaluationRecord> sample, MetricSet metrics, ModelSelectionInputs inputs,
        TimeProvider time, CancellationToken ct)
    {
        var (license, licenseSource) = LicenseDetector.Detect(directory);
        var size = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        var start = time.GetTimestamp();
        using var model = ModelUnderTest.Load(directory, null, TrainingDevice.Resolve(inputs.Device), TrainingDevice.Dtype(inputs.Dtype), candidate);
        var loadSeconds = time.GetElapsedTime(start).TotalSeconds;

        var speedPrompts = (sample.Count > 0 ? sample.Select(r => r.Prompt) : DefaultSpeedPrompts).Take(inputs.SpeedPrompts).ToList();
        var speed = SpeedBenchmark.Measure(model.Model, model.Tokenizer, speedPrompts, inputs.SpeedTokens, time, ct);

        IReadOnlyDictionary<string, double> scores = new Dictionary<string, double>();
        if (sample.Count > 0)
        {
            var options = inputs.ToGenerationOptions();
            IReadOnlyList<SampleScore> samples;
            try
            {
                samples = SampleScorer.Evaluate(model, sample.Select(r => r.Prompt).ToList(), sample.Select(r => r.Reference).ToList(), metrics, options, inputs.BatchSize, ct: ct);
            }
            catch (PromptTooLongException e)
            {
                throw new ArgumentException($"dataset line {sample[e.Index].Line}: the prompt is {e.Tokens} tokens, which leaves no room in {candidate}'s context window of {e.ContextWindow} tokens", e);
            }

            scores = CorpusMetrics.Of(samples, metrics);
        }

        return new CandidateRow
        {
            Model = candidate,
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)),
            Architecture = model.Model.Architecture,
            Parameters = model.Model.CheckpointTensors().Sum(t => t.Value.numel()),
            SizeBytes = size,
            ContextWindow = model.Model.ContextWindow,
            License = license,
            LicenseSource = licenseSource,
            LoadSeconds = loadSeconds,
            FirstTokenMs = speed.FirstTokenMs,
            PerTokenMs = speed.PerTokenMs,
            TokensPerSecond = speed.TokensPerSecond,
            Metrics = scores,
            CostPer1kTokens = inputs.PricePerHour is { } price ? TokenCost.PerThousandTokens(price, speed.TokensPerSecond) : null,
        };
    }
}
