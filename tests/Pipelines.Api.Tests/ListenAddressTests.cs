using Pipelines.Cli;

namespace Pipelines.Api.Tests;

/// <summary><c>serve --urls</c> takes <c>http://HOST:PORT</c>; anything else is named as the mistake it is, before the authentication rule.</summary>
public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("notaurl", "it is not a URL")]
    [InlineData("127.0.0.1:5080", "it is not a URL")]
    [InlineData("http://", "it is not a URL")]
    [InlineData("ftp://x", "the scheme is ftp, not http")]
    [InlineData("https://127.0.0.1:5443", "serve speaks plain http")]
    [InlineData("http://127.0.0.1:99999", "the port 99999 is not 0 to 65535")]
    [InlineData("http://localhost:abc", "'localhost:abc' is not a host")]
    [InlineData("http://127.0.0.1:5080/api", "it has a path (/api)")]
    public async Task A_bad_url_is_named_with_the_expected_form_and_nothing_is_created(string url, string reason)
    {
        var data = Path.Combine(Path.GetTempPath(), $"pipelines-api-test-{Guid.NewGuid():N}");
        var error = new StringWriter();

        var code = await CliApp.RunAsync(["serve", "--urls", url, "--data-dir", data], new StringWriter(), error);

        Assert.Equal(2, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: --urls {url} is not an address to listen on: {reason}", line, StringComparison.Ordinal);
        Assert.Contains("http://HOST:PORT", line, StringComparison.Ordinal);
        Assert.DoesNotContain("authentication", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "nothing is created before the checks pass");
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:0")]
    [InlineData("HTTP://LOCALHOST")]
    [InlineData("http://[::1]:5080/")]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://models.internal:8080")]
    [InlineData("http://unix:/run/pipelines.sock")]
    public void What_kestrel_can_bind_over_http_is_accepted(string url) => Assert.Null(ListenAddresses.Problem(url));
}
