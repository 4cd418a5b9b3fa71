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
    public static string Name(this RunStatus status) => status.ToString().ToLowerInvariant();

    public static string Name(this StepStatus status) => status.ToString().ToLowerInvariant();

    public static RunStatus ParseRun(string text) => Enum.Parse<RunStatus>(text, ignoreCase: true);

    public static StepStatus ParseStep(string text) => Enum.Parse<StepStatus>(text, ignoreCase: true);

    public static bool IsTerminal(this StepStatus status) =>
        status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Skipped or StepStatus.Cancelled;

    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
}
