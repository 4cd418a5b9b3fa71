using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

public sealed class AuthTests
{
    private const string AdminSecret = "admin-secret-0123456789";
    private const string OperatorSecret = "operator-secret-0123456789";
    private const string ViewerSecret = "viewer-secret-0123456789";

    private static Task<TestServer> StartWithTokensAsync() => TestServer.StartAsync(null,
        ("ada", AdminSecret, ["admin"]), ("olle", OperatorSecret, ["operator"]), ("vera", ViewerSecret, ["viewer"]));

    [Fact]
    public async Task Without_a_valid_token_every_api_call_is_401_but_health_stays_open()
    {
        await using var server = await StartWithTokensAsync();
        using (var none = await server.Client.GetAsync("/api/definitions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            Assert.NotNull((await Json.ReadAsync(none))["hint"]);
        }

        server.UseToken("admin-secret-0123456788"); // one character off
        using (var wrong = await server.Client.GetAsync("/api/definitions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var otherCase = await server.Client.GetAsync("/API/Definitions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, otherCase.StatusCode); // routing ignores case; so does the guard
        }

        using (var unknownPath = await server.Client.GetAsync("/api/whatever"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknownPath.StatusCode); // no probing routes without a token
        }

        using var health = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Roles_decide_who_may_read_publish_and_run()
    {
        await using var server = await StartWithTokensAsync();

        server.UseToken(ViewerSecret);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/runs")).StatusCode);
        using (var publish = await server.PublishAsync(Yaml.Hello))
        {
            Assert.Equal(HttpStatusCode.Forbidden, publish.StatusCode);
            Assert.Contains("author", (await Json.ReadAsync(publish))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await server.PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = "hello" })).StatusCode);

        server.UseToken(OperatorSecret);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.PublishAsync(Yaml.Hello)).StatusCode);

        server.UseToken(AdminSecret);
        Assert.Equal(HttpStatusCode.Created, (await server.PublishAsync(Yaml.Hello)).StatusCode);

        server.UseToken(OperatorSecret);
        var id = await server.StartRunAsync("hello");
        Assert.Equal("succeeded", (await server.WaitForRunAsync(id, "succeeded"))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.PostAsync("/api/definitions/hello/versions/1/retract", null)).StatusCode);

        server.UseToken(ViewerSecret);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.PostAsync($"/api/runs/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/api/runs/{id}")).StatusCode);
    }

    [Fact]
    public async Task Unusable_tokens_stop_the_server_from_starting()
    {
        var error = await Assert.ThrowsAsync<ApiConfigurationException>(() => TestServer.StartAsync(null, ("short", "tiny", ["admin"]), ("", "long-enough-secret-123", ["root"])));
        Assert.Contains("at least 16 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("no Name", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown role 'root'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny", error.Message, StringComparison.Ordinal); // never echo a secret
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.1.2.3:80", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://example.com:5080", false)]
    [InlineData("http://192.168.1.10:5080", false)]
    public void Only_loopback_addresses_count_as_private(string url, bool loopback) =>
        Assert.Equal(loopback, ListenAddresses.IsLoopback(url));
}
