using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Api;

/// <summary>
/// Runs left unfinished by a process that is gone: <c>pending</c> or <c>running</c>, and with no owner (detached),
/// an owner that is known dead, or an expired lease. Waiting runs are not here: a review decision resumes them.
/// </summary>
public static class ResumableRuns
{
    public static async Task<IReadOnlyList<string>> FindAsync(RunStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var open = new List<RunRow>();
        foreach (var status in new[] { RunStatus.Pending, RunStatus.Running })
        {
            open.AddRange(await store.ListRunsAsync(null, status.Name(), int.MaxValue, ct));
        }

        return open
            .Where(r => r.Owner is null || ProcessOwner.IsDead(r.Owner) || r.LeaseExpiresAt is null || r.LeaseExpiresAt < now)
            .OrderBy(r => r.CreatedAt) // oldest first: they have waited longest
            .Select(r => r.Id)
            .ToList();
    }
}
