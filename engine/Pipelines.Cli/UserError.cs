namespace Pipelines.Cli;

/// <summary>A mistake in what the user asked for: printed as one line with a hint, never as a stack trace.</summary>
public sealed class UserError(string message, string? hint = null, int exitCode = ExitCodes.InvalidInput) : Exception(message)
{
    public string? Hint { get; } = hint;

    public int ExitCode { get; } = exitCode;
}
