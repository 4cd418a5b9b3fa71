namespace Pipelines.Runtime;

/// <summary>How a process runs pipelines.</summary>
public sealed record RuntimeOptions
{
    /// <summary>The prefix of the environment variables that hold secrets: <c>PIPELINES_SECRET_API_KEY</c> is <c>secrets.api_key</c>.</summary>
    public const string SecretPrefix = "PIPELINES_SECRET_";

    /// <summary>Steps executing at once in this process, across all runs.</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The shared store (<c>--store postgres://...</c>): a PostgreSQL database that several hosts run pipelines on
    /// together; null: the embedded SQLite database in the data directory, for one host.
    /// </summary>
    public string? SharedStore { get; init; }

    /// <summary>
    /// The worker pools this process serves besides the default one (<c>--pool gpu</c>): on a shared store, a step with
    /// <c>resources.pool</c> runs only on a worker serving that pool, and a step without one on any worker.
    /// </summary>
    public IReadOnlyList<string> Pools { get; init; } = [];

    /// <summary>
    /// On a shared store, whether this process claims steps from the step queue (a worker); false for a host that only
    /// serves the API and coordinates runs while workers elsewhere execute their steps.
    /// </summary>
    public bool ExecutesSteps { get; init; } = true;

    /// <summary>On a shared store, how many attempts this process's runs may have queued or running on workers at once.</summary>
    public int MaxDispatched { get; init; } = 1024;

    /// <summary>How long a run or step lease lasts without renewal; a process that dies loses its runs after this.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often leases are renewed and cancellation requests from other processes are noticed.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The identity this runtime's leases carry (<see cref="ProcessOwner"/>): the process's own unless several runtimes
    /// share one process, when each takes <c>ProcessOwner.Current + "/name"</c>.
    /// </summary>
    public string Owner { get; init; } = ProcessOwner.Current;

    /// <summary>
    /// How many times in a row a run may be taken over from an owner that died without any of its steps finishing in
    /// between; the take-over that brings the count to this fails the steps that were running, as dead letters, instead of retrying them.
    /// </summary>
    public int MaxLostAttempts { get; init; } = 3;

    /// <summary>
    /// Values readable as <c>secrets.NAME</c> (names compare without case); masked wherever the runtime stores, logs
    /// or publishes. Each must have at least 8 characters: opening an engine with a shorter one fails.
    /// </summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Folders, besides the data directory, that inputs naming local files may reach (<see cref="Runtime.FileRoots"/>);
    /// a step whose input names a path elsewhere fails. Null: any path this process can read (a local user's CLI).
    /// <c>serve</c> always sets it (<c>Files:Roots</c>).
    /// </summary>
    public IReadOnlyList<string>? FileRoots { get; init; }

    /// <summary>
    /// Secrets from the environment: <c>PIPELINES_SECRET_WEBHOOK_TOKEN</c> is <c>secrets.webhook_token</c> (an empty
    /// variable sets nothing).
    /// </summary>
    /// <exception cref="SecretConfigurationException">A value is too short to mask, or two variables differ only in case; the message names them.</exception>
    public static IReadOnlyDictionary<string, string> SecretsFromEnvironment()
    {
        var found = new List<(string Name, string Variable, string Value)>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(SecretPrefix, StringComparison.Ordinal) && key.Length > SecretPrefix.Length
                && entry.Value is string { Length: > 0 } value)
            {
                found.Add((key[SecretPrefix.Length..].ToLowerInvariant(), key, value));
            }
        }

        found.Sort((a, b) => string.CompareOrdinal(a.Variable, b.Variable));
        var problems = SecretMask.Problems(found).ToList();
        if (problems.Count > 0) throw new SecretConfigurationException(string.Join("; ", problems));
        return found.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);
    }
}

/// <summary>The secrets in the environment cannot be used as they are; the message names the variables.</summary>
public sealed class SecretConfigurationException(string message) : Exception(message);
