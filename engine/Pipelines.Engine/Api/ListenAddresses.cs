using System.Net;
using Microsoft.AspNetCore.Http;

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
    /// Refuses what Kestrel would fail on only once started (with a stack trace) or read as something else: anything
    /// but <c>http://HOST:PORT</c>. Throws <see cref="ApiConfigurationException"/> naming the first bad address and why.
    /// </summary>
    public static void EnsureValid(IReadOnlyList<string> urls)
    {
        foreach (var url in urls)
        {
            if (Problem(url) is { } problem)
            {
                throw new ApiConfigurationException($"--urls {url} is not an address to listen on: {problem}",
                    $"write http://HOST:PORT, e.g. {ApiHostOptions.DefaultUrl} (HOST: an IP address, localhost, a host name or *; PORT: 0 to 65535)");
            }
        }
    }

    /// <summary>Why <paramref name="url"/> is not <c>http://HOST:PORT</c>, or null when it is.</summary>
    public static string? Problem(string url)
    {
        // Kestrel's own parser: it knows the wildcards (*, +) that Uri refuses, and is what will bind the address.
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return "it is not a URL";
        }

        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            return address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase)
                ? "serve speaks plain http; put a TLS-terminating proxy in front of it for https"
                : $"the scheme is {address.Scheme}, not http";
        }

        if (address.IsUnixPipe) return null; // http://unix:/path/to.sock
        var host = address.Host.Trim('[', ']');
        if (host is not ("*" or "+") && Uri.CheckHostName(host) == UriHostNameType.Unknown) return $"'{address.Host}' is not a host";
        if (address.Port is < 0 or > 65535) return $"the port {address.Port} is not 0 to 65535";
        if (address.PathBase.Length > 0) return $"it has a path ({address.PathBase}); serve listens at the root";
        return null;
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
