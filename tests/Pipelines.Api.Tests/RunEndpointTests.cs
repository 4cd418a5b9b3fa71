using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

public sealed class RunEndpointTests
{
    [Fact]
    public async Task A_started_run_is_executed_by_the_worker_until_it_succeeds()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();

        var id = await server.StartRunAsync("hello@1", new JsonObject { ["who"] = "api" });
        var report = await server.WaitForRunAsync(id, "succeeded");

        Assert.Equal("succeeded", report["status"]!.GetValue<string>());
        Assert.Equal("hello", report["pipeline"]!.GetValue<string>());
        Assert.Equal("api", report["params"]!["who"]!.GetValue<string>());
        Assert.Equal(["greet", "rest"], report["steps"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal("succeeded", TestServer.StepStatus(report, "greet"));
        Assert.Equal("succeeded", TestServer.StepStatus(report, "rest"));
        Assert.Equal("Hello, api!", report["steps"]![0]!["outputs"]!["message"]!.GetValue<string>());

        using var list = await server.Client.GetAsync("/api/runs?pipeline=hello&status=succeeded");
        var run = Assert.Single((await Json.ReadAsync(list))["runs"]!.AsArray())!;
        Assert.Equal(id, run["id"]!.GetValue<string>());
        Assert.Equal("api", run["trigger"]!.GetValue<string>());
        Assert.NotNull(run["finishedAt"]);
    }

    [Fact]
    public async Task Several_runs_execute_at_once()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Sleepy)).Dispose();

        var started = DateTime.UtcNow;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await server.StartRunAsync("sleepy", new JsonObject { ["seconds"] = 1 }));
        foreach (var id in ids) Assert.Equal("succeeded", (await server.WaitForRunAsync(id, "succeeded"))["status"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.8), "three 1 s runs should overlap");

        using var list = await server.Client.GetAsync("/api/runs?limit=2");
        Assert.Equal(2, (await Json.ReadAsync(list))["runs"]!.AsArray().Count);
    }

    [Fact]
    public async Task Cancelling_a_sleeping_run_ends_it_cancelled()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Sleepy)).Dispose();
        var id = await server.StartRunAsync("sleepy");
        await server.WaitForStepAsync(id, "nap", "running");

        using var cancel = await server.Client.PostAsync($"/api/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var report = await server.WaitForRunAsync(id, "cancelled");
        Assert.Equal("cancelled", report["status"]!.GetValue<string>());
        Assert.Equal("cancelled", TestServer.StepStatus(report, "nap"));
        Assert.NotEqual("succeeded", TestServer.StepStatus(report, "after"));

        using var again = await server.Client.PostAsync($"/api/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Bad_params_are_refused_listing_every_problem()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        using var response = await server.PostJsonAsync("/api/runs", new JsonObject
        {
            ["pipeline"] = "hello",
            ["params"] = new JsonObject { ["who"] = 42, ["tmes"] = 2 },
        });
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = body["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("'who'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("did you mean", StringComparison.Ordinal) && p.Contains("times", StringComparison.Ordinal));

        using var runs = await server.Client.GetAsync("/api/runs");
        Assert.Empty((await Json.ReadAsync(runs))["runs"]!.AsArray()); // nothing was created
    }

    [Fact]
    public async Task Unknown_pipelines_are_404_and_retracted_versions_400()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();

        using var unknown = await server.PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = "nobody" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var unknownVersion = await server.PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = "hello@5" });
        Assert.Equal(HttpStatusCode.NotFound, unknownVersion.StatusCode);
        using var missing = await server.PostJsonAsync("/api/runs", new JsonObject());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

        (await server.Client.PostAsync("/api/definitions/hello/versions/1/retract", null)).Dispose();
        using var retracted = await server.PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = "hello@1" });
        var body = await Json.ReadAsync(retracted);
        Assert.Equal(HttpStatusCode.BadRequest, retracted.StatusCode);
        Assert.Contains("retracted", body["problems"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        using var unknownRun = await server.Client.GetAsync("/api/runs/nosuchrun");
        Assert.Equal(HttpStatusCode.NotFound, unknownRun.StatusCode);
        using var badStatus = await server.Client.GetAsync("/api/runs?status=done");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task Stopping_the_server_detaches_a_run_and_the_next_start_resumes_it()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Sleepy)).Dispose();
        var id = await server.StartRunAsync("sleepy", new JsonObject { ["seconds"] = 1.5 });
        await server.WaitForStepAsync(id, "nap", "running");

        await server.StopAsync();
        await server.StartAgainAsync();

        var report = await server.WaitForRunAsync(id, "succeeded");
        Assert.Equal("succeeded", report["status"]!.GetValue<string>());
        Assert.Equal("succeeded", TestServer.StepStatus(report, "after"));
    }
}
