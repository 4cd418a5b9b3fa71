using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Cli;

namespace Pipelines.Api.Tests;

/// <summary>
/// <c>pipelines monitor</c> against a real <c>serve</c> host over a tiny int8 export whose lineage names its training
/// data, with tokens on, after a few requests: the frame shows the traffic, drift and quality the window's JSON has.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class MonitorCommandTests : IAsyncLifetime
{
    private const string Viewer = "viewer-secret-0123456789";
    private const string App = "app-secret-0123456789";
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-monitor-test-").FullName;
    private ApiServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await OpenAiTestHost.RegisterTrainedAsync(_data, seed: 7, Enumerable.Range(0, 50).Select(i => $"Agenda for meeting {i}?"));
        (_server, _client) = await OpenAiTestHost.StartAsync(_data, ["m@production"], new Dictionary<string, string?> { ["SampleRate"] = "1" }, null,
            ("ops", Viewer, ["viewer"]), ("app", App, ["inference"]));
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", App);
        for (var i = 0; i < 3; i++)
        {
            var body = new JsonObject { ["model"] = "m@production", ["prompt"] = $"Agenda for meeting {i}?", ["max_tokens"] = 4, ["temperature"] = 0 };
            using var response = await _client.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private string Url => _client.BaseAddress!.ToString().TrimEnd('/');

    private static async Task<(int Code, string[] Out, string Error)> MonitorAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(["monitor", .. args], output, error);
        return (code, output.ToString().Split('\n').Select(l => l.TrimEnd()).ToArray(), error.ToString());
    }

    [Fact]
    public async Task The_window_counts_the_traffic_of_its_requests()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/monitoring/models/m@production");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Viewer);
        using var response = await _client.SendAsync(request);
        var traffic = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["traffic"]!;

        Assert.Equal(3, (int)traffic["requests"]!);
        Assert.Equal(3, (int)traffic["lastMinute"]!["requests"]!);
        Assert.True((double)traffic["window"]!["requestsPerSecond"]! > 0);
        Assert.Equal(3, traffic["finishReasons"]!.AsObject().Sum(f => (int)f.Value!));
        var latency = traffic["latencySeconds"]!;
        Assert.InRange((double)latency["p50"]!, 1e-6, (double)latency["p99"]!);
        Assert.True((double)traffic["timeToFirstTokenSeconds"]!["p50"]! <= (double)latency["p99"]!);
    }

    [Fact]
    public async Task Once_prints_the_requests_traffic_drift_and_quality_in_plain_text()
    {
        var (code, lines, error) = await MonitorAsync("m@production", "--server", Url, "--token", Viewer, "--once");

        Assert.True(code == 0, error);
        Assert.StartsWith("m@production  version 1 (int8)  window 3 requests, 3 sampled", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("last minute", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2] == "3");
        Assert.Contains(lines, l => l.TrimStart().StartsWith("end to end", StringComparison.Ordinal) && l.Contains(" ms", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("DRIFT (3 prompts)", StringComparison.Ordinal));
        foreach (var feature in new[] { "prompt_length", "token_distribution", "unknown_token_rate", "non_ascii_share" })
        {
            var line = Assert.Single(lines, l => l.TrimStart().StartsWith(feature + " ", StringComparison.Ordinal));
            Assert.Matches(@"(psi|js)\s+\S+\s+0\.\d+\s+0\.\d+\s+(ok|warn|drift)$", line);
        }

        Assert.Contains(lines, l => l.StartsWith("quality (3 sampled)  toxic ", StringComparison.Ordinal) && l.Contains("truncated", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', string.Join('\n', lines));
    }

    [Fact]
    public async Task Without_a_token_or_for_a_model_not_served_the_error_says_what_to_do()
    {
        var anonymous = await MonitorAsync("m@production", "--server", Url, "--once");
        var unknown = await MonitorAsync("nope@production", "--server", Url, "--token", Viewer, "--once");

        Assert.Equal(2, anonymous.Code);
        Assert.Contains($"{Url}/ needs a bearer token", anonymous.Error, StringComparison.Ordinal);
        Assert.Contains("PIPELINES_TOKEN", anonymous.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("'nope@production' is not served here", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("served: m@production", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("pipelines models serve nope@production", unknown.Error, StringComparison.Ordinal);
    }
}
