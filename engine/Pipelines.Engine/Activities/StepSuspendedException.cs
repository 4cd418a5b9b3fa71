namespace Pipelines.Activities;

/// <summary>
/// Thrown (via <see cref="ActivityContext.Suspend"/>) by an activity that must wait for people or the outside
/// world. The step becomes <c>waiting</c> on <see cref="Bookmark"/>; when the bookmark is resumed, the activity runs
/// again with <see cref="ActivityContext.Resumption"/> set.
/// </summary>
public sealed class StepSuspendedException(string bookmark) : Exception($"waiting on '{bookmark}'")
{
    public string Bookmark { get; } = bookmark;
}
