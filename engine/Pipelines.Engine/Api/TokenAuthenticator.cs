using System.Security.Cryptography;
using System.Text;

namespace Pipelines.Api;

/// <summary>
/// Checks bearer secrets against the configured tokens. Only SHA-256 digests are kept; a presented secret is hashed
/// and compared with every token in constant time, so neither the length nor the prefix of a secret leaks.
/// </summary>
public sealed class TokenAuthenticator
{
    private readonly (string Name, byte[] Digest, string[] Roles)[] _tokens;

    public TokenAuthenticator(AuthOptions options)
    {
        _tokens = options.Tokens.Select(t => (t.Name, Digest(t.Secret), t.Roles.Distinct(StringComparer.Ordinal).ToArray())).ToArray();
    }

    /// <summary>False when no token is configured: the API is open (and bound to loopback only).</summary>
    public bool Enabled => _tokens.Length > 0;

    public int Count => _tokens.Length;

    /// <summary>The caller named by <paramref name="secret"/>, or null when no token has that secret.</summary>
    public ApiCaller? Authenticate(string secret)
    {
        var digest = Digest(secret);
        ApiCaller? found = null;
        foreach (var token in _tokens)
        {
            // No early exit: every token is compared whatever matched.
            if (CryptographicOperations.FixedTimeEquals(digest, token.Digest) && found is null)
            {
                found = new ApiCaller(token.Name, token.Roles);
            }
        }

        return found;
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

/// <summary>Who made a request, as far as the API cares: the token's name and roles.</summary>
public sealed record ApiCaller(string Name, IReadOnlyCollection<string> Roles);
