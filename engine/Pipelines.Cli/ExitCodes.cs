namespace Pipelines.Cli;

/// <summary>Process exit codes, the same for every command (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A run failed, or the program hit an unexpected error.</summary>
    public const int Failed = 1;

    /// <summary>Bad input: an invalid pipeline file, wrong arguments, an unknown name or version.</summary>
    public const int InvalidInput = 2;
}
