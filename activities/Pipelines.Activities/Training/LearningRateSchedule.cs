namespace Pipelines.Activities.Training;

/// <summary>
/// The learning rate at each optimizer step, as Hugging Face's schedulers compute it: a linear warm-up from 0 over
/// <c>warmup_steps</c>, then constant, linear decay to 0, or half a cosine to 0 at <c>total_steps</c>. Step 0 is the
/// first optimizer step (so with warm-up it uses a rate of 0, as HF's does).
/// </summary>
public sealed record LearningRateSchedule(string Kind, double PeakRate, int WarmupSteps, int TotalSteps)
{
    public const string Cosine = "cosine";
    public const string Linear = "linear";
    public const string Constant = "constant";

    public double RateAt(int step)
    {
        if (step < WarmupSteps) return PeakRate * step / Math.Max(1, WarmupSteps);
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / decaySteps);
        return Kind switch
        {
            Constant => PeakRate,
            Linear => PeakRate * Math.Max(0.0, 1.0 - progress),
            Cosine => PeakRate * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            _ => throw new ArgumentException($"Unknown learning-rate schedule \"{Kind}\"; use cosine, linear or constant."),
        };
    }
}
