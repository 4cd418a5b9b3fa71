namespace Pipelines.Runtime.Stores;

/// <summary>
/// Step attempts handed from a run's coordinator to whichever worker serves their pool, on the shared store. The
/// coordinator <see cref="EnqueueAsync">enqueues</see> a ticket (the step's activity and rendered inputs) and waits for
/// its outcome; a worker <see cref="ClaimAsync">claims</see> the oldest ticket of a pool it serves (PostgreSQL:
/// <c>FOR UPDATE SKIP LOCKED</c>) under a lease, renews the lease while the attempt runs, and
/// <see cref="FinishAsync">finishes</see> it with the outcome. A lease that expires (the worker died) puts the ticket
/// back: the next claim counts one more claim, and the activity resumes from its checkpoint. One ticket per step of a
/// run at a time, so no two workers run the same step at once.
/// </summary>
public interface IStepQueue
{
    /// <summary>
    /// Queues an attempt. With <paramref name="adopt"/> (the coordinator took the run over and the step was caught
    /// running), a ticket of the attempt before it that is still queued, claimed or finished is kept and its number
    /// moved on, rather than run again; otherwise any earlier ticket of the step is replaced.
    /// </summary>
    Task EnqueueAsync(StepTicket ticket, bool adopt, CancellationToken ct);

    /// <summary>The outcomes of those of <paramref name="steps"/> whose ticket is finished, for their current attempt.</summary>
    Task<IReadOnlyList<FinishedTicket>> FinishedAsync(IReadOnlyCollection<StepKey> steps, CancellationToken ct);

    /// <summary>Drops every ticket of a run that has ended.</summary>
    Task ForgetRunAsync(string runId, CancellationToken ct);

    /// <summary>
    /// Claims the oldest queued ticket (or one whose lease expired) of the default pool or one of <paramref name="pools"/>
    /// for <paramref name="owner"/> until <paramref name="leaseExpiresAt"/>; null when there is none.
    /// </summary>
    Task<ClaimedTicket?> ClaimAsync(string owner, IReadOnlyCollection<string> pools, long now, long leaseExpiresAt, CancellationToken ct);

    /// <summary>
    /// Extends the leases of the tickets <paramref name="owner"/> is <paramref name="holding"/>; returns those to stop:
    /// their run was asked to cancel or has ended, or the ticket is no longer this claim's (its lease lapsed and another
    /// worker claimed it).
    /// </summary>
    Task<IReadOnlyList<StepKey>> RenewAsync(string owner, long leaseExpiresAt, IReadOnlyCollection<ClaimedTicket> holding, CancellationToken ct);

    /// <summary>
    /// Stores the outcome of a claimed attempt, fenced by the claim: false when the ticket is no longer this claim's.
    /// <paramref name="ended"/> is how it ended, for the record of attempts: succeeded, failed, cancelled or suspended.
    /// </summary>
    Task<bool> FinishAsync(ClaimedTicket claim, string outcome, string ended, long now, CancellationToken ct);

    /// <summary>
    /// <see cref="FinishAsync"/> and <see cref="ClaimAsync"/> for the slot it frees, in one transaction (one commit per
    /// attempt on a busy worker instead of two).
    /// </summary>
    Task<(bool Finished, ClaimedTicket? Next)> FinishAndClaimAsync(ClaimedTicket claim, string outcome, string ended,
        IReadOnlyCollection<string> pools, long now, long leaseExpiresAt, CancellationToken ct);

    /// <summary>Hands a claimed ticket back (its worker is stopping): queued again for another worker, the claim still counted.</summary>
    Task ReleaseAsync(ClaimedTicket claim, long now, CancellationToken ct);

    /// <summary>The tickets <paramref name="owner"/> holds claimed now.</summary>
    Task<IReadOnlyList<ClaimedTicket>> HeldAsync(string owner, CancellationToken ct);

    /// <summary>The workers holding claimed tickets now.</summary>
    Task<IReadOnlyList<string>> ClaimantsAsync(CancellationToken ct);

    /// <summary>Ends the leases of <paramref name="owners"/>' claims now (workers known dead): the next claim takes their tickets.</summary>
    Task ExpireClaimsAsync(IReadOnlyCollection<string> owners, CancellationToken ct);

    /// <summary>Every claim of a run's steps so far, oldest first: which worker ran which attempt, when, and how it ended (null: it never said: its worker died).</summary>
    Task<IReadOnlyList<StepAttemptRow>> AttemptsAsync(string runId, CancellationToken ct);

    /// <summary>
    /// Stores what running attempts logged and reported since their last update, for their coordinators to relay live
    /// (<see cref="LiveAsync"/>). Best effort: an attempt's outcome carries every line it logged, so the run's stored log
    /// never depends on these; they are dropped when the ticket finishes.
    /// </summary>
    Task AppendLiveAsync(IReadOnlyCollection<LiveUpdate> updates, CancellationToken ct);

    /// <summary>
    /// What the running attempts of the waited-on steps logged and reported past each <paramref name="cursors"/>: lines
    /// of the current claim from the cursor's next line on (from the first, when another claim runs it now), and the
    /// latest progress when newer than the cursor's.
    /// </summary>
    Task<IReadOnlyList<LiveNews>> LiveAsync(IReadOnlyCollection<LiveCursor> cursors, CancellationToken ct);

    /// <summary>
    /// Calls <paramref name="queued"/> when a ticket is queued and <paramref name="finished"/> when one finishes, from
    /// any thread, until <paramref name="ct"/> is cancelled (PostgreSQL: <c>LISTEN</c>). Callers poll as well: a
    /// notification lost while the connection was down is picked up by the next poll.
    /// </summary>
    Task ListenAsync(Action queued, Action<StepKey> finished, CancellationToken ct);
}

/// <summary>A step execution of a run (<c>sweep[2]</c> for a matrix combination).</summary>
public readonly record struct StepKey(string RunId, string StepId);

/// <summary>What a worker needs to run one attempt: the activity, its rendered inputs and the step's settings.</summary>
/// <param name="Pool">The pool whose workers may claim it; null: any worker.</param>
/// <param name="Uses">The activity, <c>name@version</c>.</param>
/// <param name="Inputs">The rendered inputs (JSON object).</param>
/// <param name="Lookup">Answer from the cache when the key is there.</param>
/// <param name="Resume">The payload a resumed bookmark brought (JSON), if any.</param>
public sealed record StepTicket(StepKey Step, int Attempt, string? Pool, string Uses, string Inputs, string? CacheKey, bool Lookup,
    long? TimeoutMs, string? Resume, long QueuedAt);

/// <summary>A ticket a worker holds: <see cref="Claims"/> counts every claim of it, so more than one means workers died holding it.</summary>
public sealed record ClaimedTicket(StepTicket Ticket, string Owner, int Claims);

/// <summary>The outcome of a finished ticket (JSON, as the worker wrote it) and how many claims it took.</summary>
public sealed record FinishedTicket(StepKey Step, int Attempt, string Outcome, int Claims);

/// <summary>
/// One claim of a step's attempt by a worker: when its ticket was queued (last), claimed and finished; <see cref="Ended"/>
/// null while it runs, or for good when its worker died.
/// </summary>
public sealed record StepAttemptRow(StepKey Step, int Attempt, int Claim, string Owner, long QueuedAt, long ClaimedAt, long? FinishedAt, string? Ended);

/// <summary>
/// A running attempt's news for its coordinator: <paramref name="Lines"/> are its log lines numbered from
/// <paramref name="FirstLine"/> (0: its first), as its outcome will list them; <paramref name="Progress"/> its latest
/// progress report (JSON), the <paramref name="ProgressSeq"/>th, or null when unchanged.
/// </summary>
public sealed record LiveUpdate(ClaimedTicket Claim, int FirstLine, IReadOnlyList<string> Lines, string? Progress, int ProgressSeq);

/// <summary>What a coordinator has relayed of a step's running attempt: the claim, the next line and the last progress report.</summary>
public sealed record LiveCursor(StepKey Step, int Attempt, int Claim, int NextLine, int ProgressSeq);

/// <summary>New lines (numbered from <paramref name="FirstLine"/>, in order, without gaps) and progress of a step's running claim.</summary>
public sealed record LiveNews(StepKey Step, int Claim, int FirstLine, IReadOnlyList<string> Lines, string? Progress, int ProgressSeq);
