using System.Net;
using System.Text;

namespace Pipelines.Api.Tests;

/// <summary>
/// Every endpoint against every kind of caller: no token → 401, a token without the endpoint's role → 403, a token
/// with it → neither. One server, one real run and one real review, so the authorised calls hit real resources.
/// </summary>
public sealed class RoleMatrixTests
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["viewer"] = "viewer-secret-0123456789",
        ["author"] = "author-secret-0123456789",
        ["operator"] = "operator-secret-012345678",
        ["reviewer"] = "reviewer-secret-01234567",
        ["admin"] = "admin-secret-0123456789ab",
    };

    private const string Gated = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: matrix }
        steps:
          review:
            uses: gate.human@1
            with:
              title: Matrix
              samples: [{ input: "a", output: "b" }]
        """;

    private sealed record Call(string Method, string Path, string? Body, string Role);

    [Fact]
    public async Task Every_endpoint_answers_401_without_a_token_403_without_its_role_and_serves_its_role()
    {
        await using var server = await TestServer.StartAsync(null, Secrets.Select(s => (s.Key, s.Value, new[] { s.Key })).ToArray());
        server.UseToken(Secrets["admin"]);
        using (var published = await server.PublishAsync(Gated)) Assert.True(published.IsSuccessStatusCode);
        var runId = await server.StartRunAsync("matrix");
        await server.WaitForRunAsync(runId, "waiting");
        using var reviews = await server.Client.GetAsync("/api/reviews?status=open");
        var reviewId = (await Json.ReadAsync(reviews))["reviews"]![0]!["id"]!.GetValue<string>();
        await server.Server.Engine.Registry.RegisterAsync("matrix", new Registry.ModelVersionDraft { Source = "/models/matrix" }, CancellationToken.None);

        Call[] calls =
        [
            new("GET", "/api/definitions", null, "viewer"),
            new("POST", "/api/definitions/validate", Gated, "author"),
            new("GET", "/api/definitions/matrix/versions", null, "viewer"),
            new("GET", "/api/definitions/matrix/versions/1", null, "viewer"),
            new("GET", "/api/definitions/matrix/versions/latest", null, "viewer"),
            new("GET", "/api/runs", null, "viewer"),
            new("GET", $"/api/runs/{runId}", null, "viewer"),
            new("GET", "/api/activities", null, "viewer"),
            new("GET", "/api/schema", null, "viewer"),
            new("GET", "/api/reviews", null, "viewer"),
            new("GET", $"/api/reviews/{reviewId}", null, "viewer"),
            new("GET", "/api/schedules", null, "viewer"),
            new("GET", "/api/models", null, "viewer"),
            new("GET", "/api/models/matrix", null, "viewer"),
            new("GET", "/api/models/matrix/versions", null, "viewer"),
            new("GET", "/api/models/matrix/versions/1", null, "viewer"),
            new("GET", "/api/models/matrix/aliases/production", null, "viewer"),
            new("GET", "/api/models/matrix/history", null, "viewer"),
            new("POST", "/api/runs", """{"pipeline": "no-such-pipeline"}""", "operator"),
            new("POST", $"/api/runs/{runId}/cancel", null, "operator"),
            new("POST", $"/api/runs/{runId}/resume", null, "operator"),
            new("POST", $"/api/reviews/{reviewId}/decision", """{"decision": "bogus"}""", "reviewer"),
            new("POST", "/api/definitions", Gated, "author"),
            new("POST", "/api/definitions/matrix/versions/99/retract", null, "author"),
            new("GET", "/api/drafts", null, "viewer"),
            new("GET", "/api/drafts/matrix", null, "viewer"),
            new("PUT", "/api/drafts/matrix", Gated, "author"),
            new("DELETE", "/api/drafts/nothing", null, "author"),
            new("PUT", "/api/models/matrix/aliases/production", """{"version": 1}""", "operator"),
            new("POST", "/api/models/matrix/aliases/production/rollback", null, "operator"),
        ];

        foreach (var call in calls)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, call, token: null));
            foreach (var (role, secret) in Secrets)
            {
                var allowed = role == call.Role || role == "admin" || call.Role == "viewer";
                var status = await StatusAsync(server, call, secret);
                if (allowed)
                {
                    Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role} on {call.Method} {call.Path} got {status}");
                }
                else
                {
                    Assert.True(status == HttpStatusCode.Forbidden, $"{role} on {call.Method} {call.Path} got {status}, not 403");
                }
            }
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(TestServer server, Call call, string? token)
    {
        server.UseToken(token);
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
        if (call.Body is { } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8, body.TrimStart().StartsWith('{') ? "application/json" : "application/yaml");
        }

        using var response = await server.Client.SendAsync(request);
        return response.StatusCode;
    }
}
