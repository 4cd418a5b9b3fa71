using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Runtime;

namespace Pipelines.Api.Tests;

/// <summary>
/// A real <c>pipelines serve</c> host started in-process on a free loopback port over a fresh data directory, with an
/// HttpClient pointed at it. Restartable over the same data directory.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly bool _ownsDirectory;

    private TestServer(string dataDirectory, IReadOnlyDictionary<string, string?> settings, bool ownsDirectory)
    {
        DataDirectory = dataDirectory;
        _settings = settings;
        _ownsDirectory = ownsDirectory;
    }

    public string DataDirectory { get; }

    public ApiServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Starts a server; <paramref name="tokens"/> are (name, secret, roles) entries of Auth:Tokens.</summary>
    public static async Task<TestServer> StartAsync(string? dataDirectory = null, params (string Name, string Secret, string[] Roles)[] tokens)
    {
        var settings = new Dictionary<string, string?>();
        AddTokens(settings, tokens);
        return await StartWithSettingsAsync(settings, dataDirectory);
    }

    /// <summary>Adds (name, secret, roles) entries to <paramref name="settings"/> as Auth:Tokens configures them.</summary>
    internal static void AddTokens(IDictionary<string, string?> settings, (string Name, string Secret, string[] Roles)[] tokens)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            settings[$"Auth:Tokens:{i}:Name"] = tokens[i].Name;
            settings[$"Auth:Tokens:{i}:Secret"] = tokens[i].Secret;
            for (var r = 0; r < tokens[i].Roles.Length; r++) settings[$"Auth:Tokens:{i}:Roles:{r}"] = tokens[i].Roles[r];
        }
    }

    /// <summary>Starts a server with configuration <paramref name="settings"/> (e.g. <c>Files:Roots:0</c>) and no tokens.</summary>
    public static async Task<TestServer> StartWithSettingsAsync(IReadOnlyDictionary<string, string?> settings, string? dataDirectory = null)
    {
        var server = new TestServer(dataDirectory ?? Directory.CreateTempSubdirectory("pipelines-api-test-").FullName, settings, dataDirectory is null);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a server with extra configuration, e.g. <c>Validation:MaxConcurrent</c>.</summary>
    public static async Task<TestServer> StartWithSettingsAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var server = new TestServer(Directory.CreateTempSubdirectory("pipelines-api-test-").FullName, settings, ownsDirectory: true);
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            Directory.Delete(server.DataDirectory, recursive: true);
            throw;
        }

        return server;
    }

    /// <summary>Starts (or, after <see cref="StopAsync"/>, restarts) the host over the same data directory on a new port.</summary>
    public async Task StartAgainAsync()
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        Server = await ApiHost.BuildAsync(new ApiHostOptions
        {
            DataDirectory = DataDirectory,
            Urls = [url],
            Runtime = new RuntimeOptions { MaxParallel = 4 },
            Settings = _settings,
            ConsoleLogging = false,
        }, BuiltInActivities.CreateCatalog());
        await Server.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>Stops the host gracefully (running runs detach) and closes its runtime.</summary>
    public async Task StopAsync()
    {
        Client.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
    }

    public void UseToken(string? secret) =>
        Client.DefaultRequestHeaders.Authorization = secret is null ? null : new AuthenticationHeaderValue("Bearer", secret);

    public Task<HttpResponseMessage> PublishAsync(string yaml) =>
        Client.PostAsync("/api/definitions", new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    public Task<HttpResponseMessage> PostJsonAsync(string path, JsonNode body) =>
        Client.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    /// <summary>Starts a run and returns its id (asserting 202).</summary>
    public async Task<string> StartRunAsync(string pipeline, JsonObject? parameters = null)
    {
        using var response = await PostJsonAsync("/api/runs", new JsonObject { ["pipeline"] = pipeline, ["params"] = parameters ?? new JsonObject() });
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToJsonString());
        return body["id"]!.GetValue<string>();
    }

    /// <summary>Polls <c>GET /api/runs/{id}</c> until the run's status is <paramref name="until"/> (or terminal), up to 20 s.</summary>
    public async Task<JsonObject> WaitForRunAsync(string id, params string[] until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string[] terminal = ["succeeded", "failed", "cancelled"];
        while (true)
        {
            using var response = await Client.GetAsync($"/api/runs/{id}");
            var report = await Json.ReadAsync(response);
            var status = report["status"]!.GetValue<string>();
            if (until.Contains(status) || terminal.Contains(status) || DateTime.UtcNow > deadline) return report;
            await Task.Delay(50);
        }
    }

    /// <summary>Polls <c>GET /api/runs/{id}</c> until step <paramref name="step"/> has <paramref name="status"/>, up to 20 s.</summary>
    public async Task WaitForStepAsync(string runId, string step, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Client.GetAsync($"/api/runs/{runId}");
            if (StepStatus(await Json.ReadAsync(response), step) == status) return;
            await Task.Delay(25);
        }

        Assert.Fail($"step {step} of run {runId} never became {status}");
    }

    /// <summary>A step's status in a run report.</summary>
    public static string StepStatus(JsonObject report, string step) =>
        report["steps"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == step)!["status"]!.GetValue<string>();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public static class Json
{
    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject ?? throw new InvalidOperationException("the body is not a JSON object");
}

/// <summary>Small pipelines the tests publish.</summary>
public static class Yaml
{
    public const string Hello = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: hello
        params:
          who: { type: string, default: world }
          times: { type: integer, default: 1 }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: Hello, ${{ params.who }}!
          rest:
            uses: core.noop@1
            needs: [greet]
        """;

    public const string Sleepy = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: sleepy
        params:
          seconds: { type: number, default: 30 }
        steps:
          nap:
            uses: core.sleep@1
            with:
              seconds: ${{ params.seconds }}
          after:
            uses: core.echo@1
            needs: [nap]
            with:
              message: awake
        """;

    /// <summary>Valid but for line 9, which uses an activity that does not exist.</summary>
    public const string UnknownActivity = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: broken
        steps:
          ok:
            uses: core.noop@1
          bad:
            uses: core.nothing@1
        """;
}
