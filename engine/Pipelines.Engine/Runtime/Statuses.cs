namespace Pipelines.Runtime;

/// <summary>A run's status; terminal ones are succeeded, failed and cancelled.</summary>
public enum RunStatus
{
    Pending,
    Running,
    Waiting,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// A step execution's status: pending → ready → running → succeeded | failed | skipped | cancelled, with waiting
/// (suspended on a bookmark) and retrying (scheduled for a later attempt).
/// </summary>
public enum StepStatus
{
    Pending,
    Ready,
    Running,
    Waiting,
    Retrying,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}

public static class StatusNames
{
    // Every row written names its status: interned once here, not formatted per row.
    private static readonly string[] RunNames = Enum.GetNames<RunStatus>().Select(n => n.ToLowerInvariant()).ToArray();
    private static readonly string[] StepNames = Enum.GetNames<StepStatus>().Select(n => n.ToLowerInvariant()).ToArray();

    public static string Name(this RunStatus status) => RunNames[(int)status];

    public static string Name(this StepStatus status) => StepNames[(int)status];

    public static RunStatus ParseRun(string text)
    {
        var index = Array.IndexOf(RunNames, text); // the stored spelling, without Enum.Parse's reflection
        return index >= 0 ? (RunStatus)index : Enum.Parse<RunStatus>(text, ignoreCase: true);
    }

    public static StepStatus ParseStep(string text)
    {
        var index = Array.IndexOf(StepNames, text);
        return index >= 0 ? (StepStatus)index : Enum.Parse<StepStatus>(text, ignoreCase: true);
    }

    public static bool IsTerminal(this StepStatus status) =>
        status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Skipped or StepStatus.Cancelled;

    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
}
