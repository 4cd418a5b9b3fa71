namespace Pipelines.Activities.Evaluation;

/// <summary>Reports the fraction of an evaluation's work done, as units (generations, losses) finish across several passes.</summary>
internal sealed class EvaluationProgress(IProgress<ProgressUpdate> progress, int totalUnits)
{
    private int _finished;

    /// <summary>A callback for one pass of <paramref name="units"/> units: it reports the finished ones with <paramref name="label"/>; call it once per pass, in order.</summary>
    public Action<int> Pass(string label, int units, int samples)
    {
        var offset = _finished;
        _finished += units;
        return done => progress.Report(new ProgressUpdate(
            totalUnits == 0 ? 1 : Math.Min(1, (offset + done) / (double)totalUnits),
            done <= samples ? $"{label}: generated {done}/{samples}" : $"{label}: scored the reference of {done - samples}/{samples}"));
    }
}
