using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Monitoring;
using Pipelines.Runtime.Stores;

namespace Pipelines.Activities.Data;

/// <summary>
/// <c>data.collect</c>: turns a served model's logged production traffic into a dataset data.curate reads — the
/// sampled requests of a window (their prompts and answers as the request log keeps them: redacted), optionally only
/// those users rated well, as {prompt, completion} records, a user's correction (the answer they wanted) replacing the
/// model's answer — so production data flows into the next fine-tune. Never cached: the log grows.
/// </summary>
[Activity("data.collect", Category = "Data", Deterministic = false,
    Description = "Collects a served model's logged traffic (sampled, redacted prompts and answers, with user ratings) into a JSONL dataset for data.curate.")]
public sealed class DataCollection : IActivity<DataCollectionInputs, DataCollectionOutputs>
{
    public async Task<DataCollectionOutputs> ExecuteAsync(DataCollectionInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        if (context.Services?.GetService(typeof(IRequestLog)) is not IRequestLog log)
            throw new ActivityFailedException("data.collect needs the pipelines runtime's request log, and this context has none", retryable: false);
        if (!Definitions.Duration.TryParse(inputs.Window, out var window, out var problem))
            throw new ActivityFailedException($"window: {problem}", retryable: false);

        var since = context.Time.GetUtcNow() - window;
        var requests = await log.ListAsync(inputs.Model, since, inputs.Limit, cancellationToken).ConfigureAwait(false);
        var kept = requests
            .Where(r => r.Prompt is not null && r.Output is not null)
            .Where(r => r.Correction is not null || (!inputs.CorrectionsOnly && (inputs.MinRating is not { } min || r.Rating >= min)))
            .OrderBy(r => r.At).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var lines = new StringBuilder();
        foreach (var r in kept)
        {
            lines.Append(new JsonObject
            {
                ["prompt"] = r.Prompt, ["completion"] = r.Correction ?? r.Output, ["source"] = r.Correction is null ? "model" : "correction", ["rating"] = r.Rating, ["id"] = r.Id,
                ["at"] = r.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["version"] = r.Version,
            }.ToJsonString()).Append('\n');
        }

        var dataset = await context.Artifacts.PutTextAsync(lines.ToString(), "dataset", cancellationToken).ConfigureAwait(false);
        var rated = kept.Where(r => r.Rating is not null).ToList();
        var corrected = kept.Count(r => r.Correction is not null);
        context.Log($"{inputs.Model}: {requests.Count} requests since {since:O}, {requests.Count(r => r.Prompt is not null)} sampled, {kept.Count} kept, {corrected} of them corrected"
            + (inputs.CorrectionsOnly ? " (corrections only)" : inputs.MinRating is { } m ? $" (the others rated {m} or better)" : ""));
        return new DataCollectionOutputs
        {
            Dataset = dataset.Uri,
            Records = kept.Count,
            Corrected = corrected,
            Requests = requests.Count,
            Rated = rated.Count,
            MeanRating = rated.Count > 0 ? rated.Average(r => r.Rating!.Value) : null,
        };
    }
}
