namespace Pipelines.Activities.Training;

/// <summary>
/// Where a training run is: everything but tensors that a checkpoint needs to continue exactly as if never stopped.
/// Saved as JSON at the head of the checkpoint file.
/// </summary>
public sealed record TrainingState
{
    public int Step { get; init; }
    public int Epoch { get; init; }
    public int BatchIndex { get; init; }
    public double? InitialLoss { get; init; }
    public double? BestValidationLoss { get; init; }
    public int BestStep { get; init; }
    public int EvaluationsWithoutImprovement { get; init; }
    public bool StoppedEarly { get; init; }
    public long TokensSeen { get; init; }
    public double TrainingSeconds { get; init; }
    public double PeakMemoryMb { get; init; }
    public List<CurvePoint> Curve { get; init; } = [];
}
