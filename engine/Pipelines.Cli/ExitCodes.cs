using Pipelines.Runtime;

namespace Pipelines.Cli;

/// <summary>Process exit codes, the same for every command (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A run failed, or the program hit an unexpected error.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: an invalid pipeline file, wrong arguments, an unknown name or version.</summary>
    public const int InvalidInput = 2;

    /// <summary>A run is waiting (suspended on a bookmark such as a human review).</summary>
    public const int Waiting = 3;

    /// <summary>A run was cancelled.</summary>
    public const int Cancelled = 4;

    /// <summary>Ctrl+C detached from a run; it stays resumable (128 + SIGINT, as shells expect).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code that reports a run's status: 0 succeeded, 1 failed, 3 waiting, 4 cancelled.</summary>
    public static int For(RunStatus status) => status switch
    {
        RunStatus.Succeeded => Ok,
        RunStatus.Waiting => Waiting,
        RunStatus.Cancelled => Cancelled,
        _ => Failed,
    };
}
