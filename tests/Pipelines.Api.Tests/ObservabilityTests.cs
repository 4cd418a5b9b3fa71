using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

public sealed class ObservabilityTests
{
    private const string ViewerSecret = "viewer-secret-0123456789";

    [Fact]
    public async Task Metrics_after_a_run_are_prometheus_text_with_step_counts_and_durations()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        var id = await server.StartRunAsync("hello");
        await server.WaitForRunAsync(id, "succeeded");

        using var response = await server.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE pipelines_steps_executed_total counter", text);
        Assert.Contains("# TYPE pipelines_step_duration_seconds histogram", text);
        Assert.Contains("pipelines_step_duration_seconds_bucket{", text);
        Assert.Contains("activity=\"core.echo@1\"", text);
        Assert.Contains("pipelines_runs_total{", text);
        Assert.Contains("status=\"succeeded\"", text);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_run_endpoints()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Client.GetAsync("/openapi/v1.json");
        var document = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/runs"));
        Assert.True(paths.ContainsKey("/api/runs/{id}/events"));
        Assert.True(paths.ContainsKey("/api/definitions"));
        Assert.True(paths.ContainsKey("/api/models/{name}/aliases/{alias}"));
    }

    [Fact]
    public async Task With_tokens_the_docs_stay_open_and_metrics_need_a_token()
    {
        await using var server = await TestServer.StartAsync(null, ("vera", ViewerSecret, ["viewer"]));

        using var openapi = await server.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openapi.StatusCode);
        using var docs = await server.Client.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<html", await docs.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using (var anonymous = await server.Client.GetAsync("/metrics")) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var anonymous = await server.Client.GetAsync("/api/runs/any/events")) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        server.UseToken(ViewerSecret);
        using var metrics = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}
