using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Hosting;

/// <summary>
/// Runs left unfinished by a process that is gone: <c>pending</c> or <c>running</c>, and with no owner (detached),
/// an owner that is known dead, or an expired lease. Waiting runs are not here: a review decision resumes them.
/// </summary>
public static class ResumableRuns
{
    public static async Task<IReadOnlyList<string>> FindAsync(Pipelines.Runtime.Stores.IRunStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var open = new List<RunRow>();
        foreach (var status in new[] { RunStatus.Pending, RunStatus.Running })
        {
            open.AddRange(await store.ListRunsAsync(null, status.Name(), int.MaxValue, ct));
        }

        return open
            .Where(r => IsInterrupted(r, now))
            .OrderBy(r => r.CreatedAt) // oldest first: they have waited longest
            .Select(r => r.Id)
            .ToList();
    }

    /// <summary>True when a pending or running run has no live owner: detached, its owner dead or its lease expired.</summary>
    public static bool IsInterrupted(RunRow run, long now) =>
        run.Owner is null || ProcessOwner.IsDead(run.Owner) || run.LeaseExpiresAt is null || run.LeaseExpiresAt < now;
}
