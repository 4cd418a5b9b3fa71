namespace Pipelines.Cli;

/// <summary>A mistake in what the user asked for: printed as one line with a hint, never as a stack trace.</summary>
public sealed class UserError(string message, string? hint = null, int exitCode = ExitCodes.InvalidInput) : Exception(message)
{
    public string? Hint { get; } = hint;

    public int ExitCode { get; } = exitCode;

    /// <summary>
    /// <paramref name="error"/> as a user error when it is one: this type, or a data directory that cannot hold a store
    /// (the engine's <see cref="Persistence.StoreUnusableException"/>, raised wherever a command opens the store).
    /// </summary>
    public static UserError? From(Exception error) => error switch
    {
        UserError user => user,
        Persistence.StoreUnusableException store => new UserError(store.Message, store.Hint),
        _ => null,
    };
}
