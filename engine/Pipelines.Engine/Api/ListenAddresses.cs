using System.Net;

namespace Pipelines.Api;

/// <summary>Which listen URLs reach only this machine: 127.0.0.0/8, ::1 and localhost.</summary>
public static class ListenAddresses
{
    /// <summary>
    /// URLs may be separated by ';' as in ASPNETCORE_URLS. Wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) and
    /// host names other than localhost count as exposed.
    /// </summary>
    public static IReadOnlyList<string> Split(IEnumerable<string> urls) =>
        urls.SelectMany(u => u.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return false;
        var host = uri.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Refuses to serve an open API beyond this machine: with no tokens, every URL must be loopback.
    /// Throws <see cref="ApiConfigurationException"/> naming the first exposed address and the fix.
    /// </summary>
    public static void EnsureSafe(IReadOnlyList<string> urls, bool tokensConfigured)
    {
        if (tokensConfigured) return;
        if (urls.FirstOrDefault(u => !IsLoopback(u)) is { } exposed)
        {
            throw new ApiConfigurationException(
                $"refusing to listen on {exposed} without authentication",
                "configure bearer tokens (Auth:Tokens, e.g. Auth__Tokens__0__Name, Auth__Tokens__0__Secret, Auth__Tokens__0__Roles__0=admin) or listen on 127.0.0.1");
        }
    }
}
