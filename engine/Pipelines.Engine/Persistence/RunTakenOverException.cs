namespace Pipelines.Persistence;

/// <summary>
/// A commit carried rows of a run that this runtime no longer owns: another took it over (this one's lease had
/// expired) or it has ended. Nothing of the run was written; the runtime must stop executing it.
/// </summary>
public sealed class RunTakenOverException(string runId)
    : Exception($"run {runId} was taken over by another process while this one was executing it (its lease had expired)")
{
    public string RunId { get; } = runId;
}
