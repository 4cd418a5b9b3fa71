namespace Pipelines.Activities.Data;

public sealed record DataCollectionOutputs
{
    [Port("The collected traffic: JSONL of {prompt, completion, source, rating, id, at, version}: completion is the user's correction when there is one (source `correction`), else the model's answer (source `model`), all as logged: redacted, oldest first; give it to data.curate as its `source` (format jsonl).")]
    public required string Dataset { get; init; }

    [Port("Records written.")]
    public required int Records { get; init; }

    [Port("Requests in the window (sampled or not).")]
    public required int Requests { get; init; }

    [Port("Records whose completion is a user's correction.")]
    public int Corrected { get; init; }

    [Port("Records that carry a user's rating.")]
    public required int Rated { get; init; }

    [Port("The mean rating of the rated records; null when none is rated.")]
    public double? MeanRating { get; init; }
}
