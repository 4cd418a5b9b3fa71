using System.Net;
using System.Net.Sockets;

namespace Pipelines.Cli.Tests;

/// <summary>
/// <c>pipelines monitor</c> without a server to read (a real server's frames are checked in Pipelines.Api.Tests'
/// MonitorCommandTests): the error names the address and how to start one.
/// </summary>
public sealed class MonitorCommandTests
{
    [Fact]
    public async Task An_unreachable_server_is_an_error_naming_the_address_and_how_to_start_one()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var result = await Cli.RunAsync("monitor", "email-subjects@production", "--server", url, "--once");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach {url}/", line, StringComparison.Ordinal);
        Assert.Contains("pipelines models serve NAME@ALIAS", line, StringComparison.Ordinal);
        Assert.Empty(result.OutLines);
    }

    [Theory]
    [InlineData("--interval", "0", "--interval must be at least 0.1 seconds")]
    [InlineData("--window", "0", "--window must be from 1 to 100000 requests")]
    [InlineData("--server", "localhost:5080", "--server 'localhost:5080' is not an http(s) address")]
    public async Task Bad_options_are_refused_before_any_request(string option, string value, string message)
    {
        var result = await Cli.RunAsync("monitor", "m@production", option, value, "--once");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    /// <summary>A port nothing listens on: one the system just handed out and took back.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
