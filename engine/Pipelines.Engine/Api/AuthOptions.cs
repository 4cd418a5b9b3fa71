namespace Pipelines.Api;

/// <summary>
/// The <c>Auth</c> configuration section. With no tokens the API is open and may only listen on loopback; with tokens
/// every <c>/api/*</c> call needs <c>Authorization: Bearer SECRET</c>. Environment variables work as for any .NET
/// setting: <c>Auth__Tokens__0__Name</c>, <c>Auth__Tokens__0__Secret</c>, <c>Auth__Tokens__0__Roles__0</c>.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public List<ApiToken> Tokens { get; init; } = [];

    /// <summary>Every problem with the configured tokens, one line each; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        for (var i = 0; i < Tokens.Count; i++)
        {
            var token = Tokens[i];
            var label = string.IsNullOrWhiteSpace(token.Name) ? $"Auth:Tokens:{i}" : $"token '{token.Name}'";
            if (string.IsNullOrWhiteSpace(token.Name)) problems.Add($"{label} has no Name");
            if (string.IsNullOrEmpty(token.Secret) || token.Secret.Length < ApiToken.MinSecretLength)
            {
                problems.Add($"{label} needs a Secret of at least {ApiToken.MinSecretLength} characters");
            }

            if (token.Roles.Count == 0) problems.Add($"{label} has no Roles; give one of {string.Join(", ", ApiRoles.All)}");
            foreach (var role in token.Roles.Where(r => !ApiRoles.All.Contains(r)))
            {
                problems.Add($"{label} has unknown role '{role}'; roles are {string.Join(", ", ApiRoles.All)}");
            }
        }

        return problems;
    }
}

/// <summary>One bearer token: who it is (for logs, never the secret), its secret, and what it may do.</summary>
public sealed class ApiToken
{
    public const int MinSecretLength = 16;

    public string Name { get; init; } = "";

    public string Secret { get; init; } = "";

    public List<string> Roles { get; init; } = [];
}

/// <summary>
/// What a token may do. Any role may read (GET); <c>author</c> publishes, validates and retracts definitions;
/// <c>operator</c> starts and cancels runs; <c>reviewer</c> decides human reviews; <c>inference</c> calls the served
/// models (<c>/v1</c>) and nothing else, so a key handed to an application cannot read runs; <c>admin</c> may do everything.
/// </summary>
public static class ApiRoles
{
    public const string Viewer = "viewer";
    public const string Author = "author";
    public const string Operator = "operator";
    public const string Admin = "admin";
    public const string Reviewer = "reviewer"; // decides human reviews (gate.human)
    public const string Inference = "inference"; // calls the served models, reads nothing else

    public static IReadOnlyList<string> All { get; } = [Viewer, Author, Operator, Admin, Reviewer, Inference];

    /// <summary>Whether a token holding <paramref name="held"/> may call an endpoint that requires <paramref name="required"/>.</summary>
    public static bool Allows(IReadOnlyCollection<string> held, string required) =>
        held.Contains(Admin) || held.Contains(required) || (required == Viewer && held.Any(r => r != Inference));
}
