using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// Turns raw mail, JSONL or CSV into train/validation/test splits of {prompt, completion} (or of {text}): parse (failures
/// quarantined with the reason), filter, redact PII, drop exact and near duplicates, split by group with a seed.
/// Writes the splits, the quarantine and a dataset card as artifacts; the same input and settings give
/// byte-identical artifacts, so the step is cached by its inputs.
/// </summary>
/// <remarks>
/// A folder or file source is identified in the cache key by its path, not its content: after changing the files,
/// run with <c>--no-cache</c>, or pass an artifact (whose digest is its content).
/// </remarks>
// Revision 2: the whitespace a prompt template ends with is kept (a template ending in "Subject:\n" lost its newline).
[Activity("data.curate", Category = "Data", Revision = 2,
    Description = "Curates mail, JSONL or CSV into deduplicated, PII-redacted prompt/completion (or text) splits with a dataset card.")]
public sealed class DataCuration : IActivity<DataCurationInputs, DataCurationOutputs>
{
    public async Task<DataCurationOutputs> ExecuteAsync(DataCurationInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        var settings = CurationSettings.From(inputs);
        var files = settings.ResolveSource(TryArtifacts(context));
        context.Log($"reading {files.Count:N0} files from {inputs.Source}");
        context.Progress.Report(new ProgressUpdate(0, $"reading {files.Count:N0} files"));

        var started = context.Time.GetTimestamp();
        var result = await Task.Run(() => new DatasetCurator(settings).Curate(files, (fraction, message, rate) =>
            context.Progress.Report(new ProgressUpdate(fraction, message, new Dictionary<string, double> { ["records_per_second"] = Math.Round(rate) })), cancellationToken),
            cancellationToken).ConfigureAwait(false);

        if (result.Parsed == 0 && result.Quarantined.Count > 0)
        {
            var common = result.Quarantined.GroupBy(q => q.Reason).OrderByDescending(g => g.Count()).First();
            throw new ActivityFailedException(
                $"no record of {result.InputRecords:N0} could be read; the commonest reason ({common.Count():N0} records, e.g. {common.First().Source} record {common.First().Record}): {common.Key}"
                + (inputs.Format == "auto" ? "; set `format` if the files are not what their names say" : ""), retryable: false);
        }

        context.Progress.Report(new ProgressUpdate(0.95, "writing the splits, the quarantine and the card"));
        var artifacts = context.Artifacts;
        var train = await artifacts.PutBytesAsync(DatasetWriter.Examples(result.Splits[DatasetSplitter.Train]), "dataset", cancellationToken).ConfigureAwait(false);
        var validation = await artifacts.PutBytesAsync(DatasetWriter.Examples(result.Splits[DatasetSplitter.Validation]), "dataset", cancellationToken).ConfigureAwait(false);
        var test = await artifacts.PutBytesAsync(DatasetWriter.Examples(result.Splits[DatasetSplitter.Test]), "dataset", cancellationToken).ConfigureAwait(false);
        var quarantine = await artifacts.PutBytesAsync(DatasetWriter.Quarantine(result.Quarantined), "dataset", cancellationToken).ConfigureAwait(false);
        var card = await artifacts.PutBytesAsync(Encoding.UTF8.GetBytes(DatasetCard.Render(result, settings)), "report", cancellationToken).ConfigureAwait(false);

        var stats = Stats(result);
        var seconds = context.Time.GetElapsedTime(started).TotalSeconds;
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"{stats.InputRecords:N0} records ({result.Bytes / 1e6:0.0} MB) in {seconds:0.0} s: {stats.Quarantined:N0} quarantined, {result.Filtered.Values.Sum():N0} filtered, "
            + $"{stats.ExactDuplicates:N0} exact and {stats.NearDuplicates:N0} near duplicates; train {stats.Train:N0}, validation {stats.Validation:N0}, test {stats.Test:N0}"));
        context.Progress.Report(new ProgressUpdate(1, $"train {stats.Train:N0}, validation {stats.Validation:N0}, test {stats.Test:N0}",
            new Dictionary<string, double> { ["records_per_second"] = Math.Round(stats.InputRecords / Math.Max(seconds, 0.001)) }));

        return new DataCurationOutputs
        {
            Train = train.Uri,
            Validation = validation.Uri,
            Test = test.Uri,
            Quarantine = quarantine.Uri,
            Card = card.Uri,
            Stats = stats,
        };
    }

    internal static CurationStats Stats(CurationResult result) => new()
    {
        InputRecords = result.InputRecords,
        Parsed = result.Parsed,
        Quarantined = result.Quarantined.Count,
        ExactDuplicates = result.ExactDuplicates,
        NearDuplicates = result.NearDuplicates,
        Filtered = result.Filtered,
        Redacted = result.Redacted,
        Train = result.Splits[DatasetSplitter.Train].Count,
        Validation = result.Splits[DatasetSplitter.Validation].Count,
        Test = result.Splits[DatasetSplitter.Test].Count,
    };

    private static Artifacts.ArtifactStore? TryArtifacts(ActivityContext context)
    {
        try
        {
            return context.Artifacts;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
