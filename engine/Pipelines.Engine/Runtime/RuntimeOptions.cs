namespace Pipelines.Runtime;

/// <summary>How a process runs pipelines.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Steps executing at once in this process, across all runs.</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

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
    /// between; at the next such take-over the steps that were running are failed as dead letters instead of retried.
    /// </summary>
    public int MaxLostAttempts { get; init; } = 3;

    /// <summary>Values readable as <c>secrets.NAME</c>; masked in logs and outputs.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>Secrets from the environment: <c>PIPELINES_SECRET_WEBHOOK_TOKEN</c> is <c>secrets.webhook_token</c>.</summary>
    public static IReadOnlyDictionary<string, string> SecretsFromEnvironment()
    {
        const string prefix = "PIPELINES_SECRET_";
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(prefix, StringComparison.Ordinal) && entry.Value is string value && value.Length > 0)
            {
                secrets[key[prefix.Length..].ToLowerInvariant()] = value;
            }
        }

        return secrets;
    }
}
