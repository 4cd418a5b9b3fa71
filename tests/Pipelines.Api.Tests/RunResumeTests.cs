using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary><c>POST /api/runs/{id}/resume</c>: a failed or cancelled run continues from the steps that did not succeed.</summary>
public sealed class RunResumeTests
{
    private const string Steady = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: steady
        steps:
          greet:
            uses: core.echo@1
            with:
              message: hello
          nap:
            uses: core.sleep@1
            needs: [greet]
            with:
              seconds: 1.5
          after:
            uses: core.echo@1
            needs: [nap]
            with:
              message: ${{ steps.greet.outputs.message }} again
        """;

    private const string Broken = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: broken
        steps:
          greet:
            uses: core.echo@1
            with:
              message: hello
          boom:
            uses: core.fail@1
            needs: [greet]
            with:
              message: it broke
          tail:
            uses: core.noop@1
            needs: [boom]
        """;

    [Fact]
    public async Task A_cancelled_run_resumes_from_the_step_it_stopped_at_and_succeeds()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Steady)).Dispose();
        var id = await server.StartRunAsync("steady");
        await server.WaitForStepAsync(id, "nap", "running");
        (await server.Client.PostAsync($"/api/runs/{id}/cancel", null)).Dispose();
        Assert.Equal("cancelled", (await server.WaitForRunAsync(id, "cancelled"))["status"]!.GetValue<string>());

        using var resume = await server.Client.PostAsync($"/api/runs/{id}/resume", null);
        var body = await Json.ReadAsync(resume);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.Equal("cancelled", body["was"]!.GetValue<string>());

        var report = await server.WaitForRunAsync(id, "succeeded");
        Assert.Equal("succeeded", report["status"]!.GetValue<string>());
        Assert.Null(Step(report, "nap")["error"]);
        Assert.Equal(1, Step(report, "greet")["attempts"]!.GetValue<int>()); // succeeded before the cancel: not run again
        Assert.Equal(2, Step(report, "nap")["attempts"]!.GetValue<int>());
        Assert.Equal("hello again", Step(report, "after")["outputs"]!["message"]!.GetValue<string>());

        using var again = await server.Client.PostAsync($"/api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already succeeded; nothing to resume", (await Json.ReadAsync(again))["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_run_runs_its_failed_step_again_and_keeps_what_succeeded()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Broken)).Dispose();
        var id = await server.StartRunAsync("broken");
        var failed = await server.WaitForRunAsync(id, "failed");
        Assert.Equal("skipped", TestServer.StepStatus(failed, "tail"));

        using var resume = await server.Client.PostAsync($"/api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var report = await server.WaitForRunAsync(id, "failed");

        Assert.Equal("failed", report["status"]!.GetValue<string>());
        Assert.Equal(1, Step(report, "greet")["attempts"]!.GetValue<int>());
        Assert.Equal(2, Step(report, "boom")["attempts"]!.GetValue<int>());
        Assert.Equal("skipped", TestServer.StepStatus(report, "tail"));
        Assert.Equal("it broke", Step(report, "boom")["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_matrix_step_runs_again_only_its_failed_combinations()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync("""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: half
            steps:
              naps:
                uses: core.sleep@1
                matrix: { seconds: [0.1, 30] }
                timeout: 1s                  # the second combination fails, every time
                retry: { max: 0 }
                with:
                  seconds: ${{ matrix.seconds }}
            """)).Dispose();
        var id = await server.StartRunAsync("half");
        var failed = await server.WaitForRunAsync(id, "failed");
        Assert.Equal(["succeeded", "failed"], new[] { "naps[0]", "naps[1]" }.Select(s => TestServer.StepStatus(failed, s)));

        using var resume = await server.Client.PostAsync($"/api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var report = await server.WaitForRunAsync(id, "failed");

        Assert.Equal("failed", TestServer.StepStatus(report, "naps"));
        Assert.Equal(1, Step(report, "naps[0]")["attempts"]!.GetValue<int>());
        Assert.Equal(2, Step(report, "naps[1]")["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_running_run_and_an_unknown_id_are_refused_with_what_to_do()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Sleepy)).Dispose();
        var id = await server.StartRunAsync("sleepy");
        await server.WaitForStepAsync(id, "nap", "running");

        using var running = await server.Client.PostAsync($"/api/runs/{id}/resume", null);
        var body = await Json.ReadAsync(running);
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Equal($"run {id} is running in a live process; nothing to resume", body["error"]!.GetValue<string>());
        Assert.Contains("cancel it", body["hint"]!.GetValue<string>());

        using var unknown = await server.Client.PostAsync("/api/runs/nope/resume", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        (await server.Client.PostAsync($"/api/runs/{id}/cancel", null)).Dispose();
        await server.WaitForRunAsync(id, "cancelled");
    }

    private static JsonNode Step(JsonObject report, string id) => report["steps"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!;
}
