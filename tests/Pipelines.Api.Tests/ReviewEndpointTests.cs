using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary><c>/api/reviews</c>: a gate.human run waits; a reviewer's decision over HTTP settles the review and the worker continues the run.</summary>
public sealed class ReviewEndpointTests
{
    private const string AdminSecret = "admin-secret-0123456789";
    private const string ViewerSecret = "viewer-secret-0123456789";
    private const string ReviewerSecret = "reviewer-secret-0123456789";

    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: gated-by-people }
        steps:
          review:
            uses: gate.human@1
            with:
              title: Look at this
              samples: [{ input: "hi", output: "hello" }]
              reviewers: ["role:reviewer"]
          after:
            uses: core.echo@1
            needs: [review]
            with: { message: done }
        """;

    private static async Task<(TestServer Server, string RunId, string ReviewId)> WaitingAsync()
    {
        var server = await TestServer.StartAsync(null,
            ("root", AdminSecret, ["admin"]), ("watcher", ViewerSecret, ["viewer"]), ("rita", ReviewerSecret, ["reviewer"]));
        server.UseToken(AdminSecret);
        using (var published = await server.PublishAsync(Gated)) Assert.True(published.IsSuccessStatusCode);
        var id = await server.StartRunAsync("gated-by-people");
        var report = await server.WaitForRunAsync(id, "waiting");
        Assert.Equal("waiting", report["status"]!.GetValue<string>());

        using var open = await server.Client.GetAsync("/api/reviews?status=open");
        var review = Assert.Single((await Json.ReadAsync(open))["reviews"]!.AsArray())!;
        Assert.Equal((id, "review", "open"), (review["runId"]!.GetValue<string>(), review["step"]!.GetValue<string>(), review["status"]!.GetValue<string>()));
        return (server, id, review["id"]!.GetValue<string>());
    }

    private static JsonObject Approve() => new() { ["decision"] = "approve", ["scores"] = new JsonObject { ["coherence"] = 4 }, ["comment"] = "good" };

    [Fact]
    public async Task A_reviewer_approves_over_http_and_the_run_continues_to_success()
    {
        var (server, id, reviewId) = await WaitingAsync();
        await using var _ = server;

        server.UseToken(ViewerSecret);
        using (var refused = await server.PostJsonAsync($"/api/reviews/{reviewId}/decision", Approve()))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        server.UseToken(ReviewerSecret);
        using (var decided = await server.PostJsonAsync($"/api/reviews/{reviewId}/decision", Approve()))
        {
            var body = await Json.ReadAsync(decided);
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            Assert.Equal("approved", body["status"]!.GetValue<string>());
            Assert.Equal("rita", body["decisions"]![0]!["reviewer"]!.GetValue<string>());
        }

        using (var again = await server.PostJsonAsync($"/api/reviews/{reviewId}/decision", Approve()))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        var report = await server.WaitForRunAsync(id);
        Assert.Equal("succeeded", report["status"]!.GetValue<string>());
        using var shown = await server.Client.GetAsync($"/api/reviews/{reviewId}");
        Assert.Equal(4.0, (await Json.ReadAsync(shown))["scores"]!["coherence"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_bad_decision_is_400_and_an_unknown_review_404()
    {
        var (server, _, reviewId) = await WaitingAsync();
        await using var _ = server;
        server.UseToken(ReviewerSecret);

        using var bad = await server.PostJsonAsync($"/api/reviews/{reviewId}/decision", new JsonObject { ["decision"] = "maybe", ["scores"] = new JsonObject { ["coherence"] = 7 } });
        using var unknown = await server.PostJsonAsync("/api/reviews/nosuchreview/decision", Approve());

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("1 to 5", (await Json.ReadAsync(bad))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_review_deadline_fires_through_the_hosts_scheduler_and_the_run_continues()
    {
        const string expiring = """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: expiring-review }
            steps:
              review:
                uses: gate.human@1
                with:
                  title: Nobody will answer
                  samples: [{ input: "hi", output: "hello" }]
                  deadline: 1s
                  on_timeout: approve
              after:
                uses: core.echo@1
                needs: [review]
                with: { message: done }
            """;
        await using var server = await TestServer.StartAsync(null);
        using (var published = await server.PublishAsync(expiring)) Assert.True(published.IsSuccessStatusCode);
        var id = await server.StartRunAsync("expiring-review");

        var report = await server.WaitForRunAsync(id, "succeeded");

        Assert.Equal("succeeded", report["status"]!.GetValue<string>());
        using var decided = await server.Client.GetAsync("/api/reviews?status=decided");
        var review = Assert.Single((await Json.ReadAsync(decided))["reviews"]!.AsArray())!;
        Assert.Equal("(deadline)", review["decisions"]![0]!["reviewer"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_waiting_review_survives_a_server_restart_and_its_approval_runs_the_steps_after_the_gate()
    {
        var (server, id, reviewId) = await WaitingAsync();
        await using var _ = server;

        await server.StopAsync();
        await server.StartAgainAsync(); // a new process over the same data directory
        server.UseToken(ReviewerSecret);
        using (var decided = await server.PostJsonAsync($"/api/reviews/{reviewId}/decision", Approve()))
        {
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        }

        var report = await server.WaitForRunAsync(id, "succeeded");
        var steps = report["steps"]!.AsArray().ToDictionary(s => s!["id"]!.GetValue<string>(), s => s!["status"]!.GetValue<string>());
        Assert.Equal(("succeeded", "succeeded"), (steps["review"], steps["after"]));
    }
}
