using System.CommandLine;
using Pipelines.Reviews;

namespace Pipelines.Cli.Reviews;

/// <summary>
/// Who decides reviews from this command line: <c>--as NAME</c>, else <c>$USER</c>, else the OS user name, holding the
/// <c>reviewer</c> role. Whoever holds the data directory may write to it anyway, so the name is trusted as given; the
/// review's own list (names and <c>role:R</c>) still decides whether that name may decide it.
/// </summary>
public static class LocalReviewer
{
    public const string Role = "reviewer";

    /// <summary><c>--as NAME</c>, on <c>review approve|reject</c> and on the commands that may review at the terminal.</summary>
    public static Option<string?> Option() => new("--as") { Description = "Decide reviews as this reviewer (default: $USER)" };

    public static ReviewerIdentity Identity(string? given) => new(Name(given), [Role]);

    private static string Name(string? given) =>
        !string.IsNullOrWhiteSpace(given) ? given.Trim()
        : Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user
        : Environment.UserName;
}
