using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>
/// What a posted pipeline may cost the server: a bounded response however quadratic the document, 413 above 1 MiB, a
/// bounded number of validations at once (503 with Retry-After beyond it), and a time limit (408 for a stalled body).
/// </summary>
public sealed class DefinitionLimitTests
{
    /// <summary>Steps with 70-character ids each needing an unknown step: the document behind the 1.2 GB response.</summary>
    private static string Quadratic(int steps) =>
        "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: quadratic\nsteps:\n"
        + string.Concat(Enumerable.Range(1, steps).Select(i => $"  s{new string('x', 64)}{i:D5}: {{uses: core.noop@1, needs: z{i:D5}}}\n"));

    [Fact]
    public async Task A_quadratic_document_gets_a_response_the_size_of_the_limit()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.PostAsync("/api/definitions/validate", new StringContent(Quadratic(4000), Encoding.UTF8, "application/yaml"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(text.Length < 128 * 1024, $"{text.Length:N0} characters");
        var body = JsonNode.Parse(text)!;
        Assert.Equal(100, body["diagnostics"]!.AsArray().Count);
        Assert.Equal(7900, body["omitted"]!.GetValue<int>());
        Assert.Equal("the pipeline has 8,000 problems; the first 100 found are listed", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_short_report_leaves_nothing_out()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.PublishAsync(Yaml.UnknownActivity);

        Assert.Equal(0, (await Json.ReadAsync(response))["omitted"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/json")]
    public async Task A_pipeline_over_1_MiB_is_refused_with_413(string mediaType)
    {
        await using var server = await TestServer.StartAsync();
        var yaml = Yaml.Hello + "\n#" + new string('x', 1024 * 1024) + "\n";
        var content = mediaType == "application/json" ? new JsonObject { ["yaml"] = yaml }.ToJsonString() : yaml;

        using var response = await server.Client.PostAsync("/api/definitions", new StringContent(content, Encoding.UTF8, mediaType));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await Json.ReadAsync(response);
        Assert.Equal("the pipeline is larger than 1 MiB, the most a pipeline may be", body["error"]!.GetValue<string>());
        Assert.NotNull(body["hint"]);
    }

    [Fact]
    public async Task Validations_beyond_the_limit_are_refused_with_503_and_retry_after()
    {
        await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?>
        {
            ["Validation:MaxConcurrent"] = "1",
            ["Validation:QueueTimeout"] = "00:00:00",
        });

        // One request holds the only slot while its body never finishes arriving.
        using (var stalled = await StallAsync(server))
        {
            var refused = await RetryUntilAsync(server, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
            Assert.Contains("validating 1 pipeline already", (await Json.ReadAsync(refused))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // The stalled client went away: its slot is free again.
        using var ok = await RetryUntilAsync(server, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_body_trickling_in_past_the_time_limit_gets_408()
    {
        await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?> { ["Validation:TimeLimit"] = "00:00:00.5" });
        using var client = await StallAsync(server);
        var stream = client.GetStream();

        // 500 bytes a second: fast enough for Kestrel's own minimum rate (240/s), so only the time limit can stop it.
        using var trickle = new CancellationTokenSource();
        var writing = Task.Run(async () =>
        {
            var line = Encoding.ASCII.GetBytes("# " + new string('x', 47) + "\n");
            try
            {
                while (true)
                {
                    await stream.WriteAsync(line, trickle.Token);
                    await Task.Delay(100, trickle.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the server answered and closed, or the test is over
            }
        });
        var status = await new StreamReader(stream, Encoding.ASCII).ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await trickle.CancelAsync();
        await writing;

        Assert.StartsWith("HTTP/1.1 408", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unusable_validation_settings_stop_the_server_from_starting()
    {
        var error = await Assert.ThrowsAsync<ApiConfigurationException>(() => TestServer.StartWithSettingsAsync(
            new Dictionary<string, string?> { ["Validation:MaxConcurrent"] = "0" }));

        Assert.Contains("Validation:MaxConcurrent must be 1 or more", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A validation request whose headers promise far more body than is sent with them.</summary>
    private static async Task<TcpClient> StallAsync(TestServer server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Client.BaseAddress!.Host, server.Client.BaseAddress.Port);
        var start = "apiVersion: pipelines/v1\n";
        var request = $"POST /api/definitions/validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/yaml\r\nContent-Length: 1000000\r\n\r\n{start}";
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));
        return tcp;
    }

    /// <summary>Validates a small pipeline until the answer has <paramref name="status"/> (the stalled request may not hold its slot yet).</summary>
    private static async Task<HttpResponseMessage> RetryUntilAsync(TestServer server, HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var response = await server.Client.PostAsync("/api/definitions/validate", new StringContent(Yaml.Hello, Encoding.UTF8, "application/yaml"));
            if (response.StatusCode == status || DateTime.UtcNow > deadline)
            {
                Assert.Equal(status, response.StatusCode);
                return response;
            }

            response.Dispose();
            await Task.Delay(50);
        }
    }
}
