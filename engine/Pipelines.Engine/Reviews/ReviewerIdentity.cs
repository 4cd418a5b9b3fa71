namespace Pipelines.Reviews;

/// <summary>
/// Who decides: a name and the roles it holds. Over the API it is the bearer token's name and roles; with no tokens
/// (loopback only) it is <see cref="Local"/>, which every reviewers list accepts. The CLI, which holds the data
/// directory, decides as <c>--as NAME</c> (or <c>$USER</c>) holding the <c>reviewer</c> role.
/// </summary>
public sealed record ReviewerIdentity(string Name, IReadOnlyCollection<string> Roles, bool AcceptedByAnyList = false)
{
    /// <summary>The caller of an API that has no tokens configured.</summary>
    public static ReviewerIdentity Local { get; } = new("local", [], AcceptedByAnyList: true);
}
