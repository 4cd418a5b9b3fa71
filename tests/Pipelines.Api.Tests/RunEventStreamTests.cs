using System.Net;
using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Runtime;
using Pipelines.Tests;

namespace Pipelines.Api.Tests;

public sealed class RunEventStreamTests
{
    [Fact]
    public async Task A_run_streams_a_snapshot_then_its_step_events_and_ends_with_the_run_succeeding()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Sleepy)).Dispose();
        var id = await server.StartRunAsync("sleepy", new JsonObject { ["seconds"] = 1 });

        using var response = await server.Client.GetAsync($"/api/runs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        var events = await ReadEventsAsync(response);

        Assert.Equal("snapshot", events[0].Name);
        Assert.Equal(id, events[0].Data["id"]!.GetValue<string>());
        var (lastName, last) = events[^1];
        Assert.Equal("run", lastName);
        Assert.Equal("succeeded", last["status"]!.GetValue<string>());
        var steps = events.Where(e => e.Name == "step").Select(e => e.Data).ToList();
        foreach (var step in new[] { "nap", "after" })
        {
            Assert.Contains(steps, s => s["stepId"]!.GetValue<string>() == step && s["status"]!.GetValue<string>() == "succeeded");
        }

        Assert.Equal("awake", steps.Last(s => s["stepId"]!.GetValue<string>() == "after")["outputs"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_finished_run_streams_its_snapshot_and_final_status_then_ends()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Yaml.Hello)).Dispose();
        var id = await server.StartRunAsync("hello");
        await server.WaitForRunAsync(id, "succeeded");

        using var response = await server.Client.GetAsync($"/api/runs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);

        Assert.Equal(["snapshot", "run"], events.Select(e => e.Name));
        Assert.Equal("succeeded", events[1].Data["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_run_another_host_coordinates_streams_its_steps_and_its_end_read_from_the_shared_store()
    {
        var store = await TestPostgres.CreateDatabaseAsync("events_elsewhere");
        var directory = Directory.CreateTempSubdirectory("pipelines-api-test-").FullName;
        try
        {
            var catalog = BuiltInActivities.CreateCatalog();
            var url = $"http://127.0.0.1:{TestServer.FreePort()}";
            await using var api = await ApiHost.BuildAsync(new ApiHostOptions
            {
                DataDirectory = directory, Urls = [url], Runtime = new RuntimeOptions { SharedStore = store, MaxParallel = 2 }, ConsoleLogging = false,
            }, catalog);
            await api.StartAsync();
            await using var other = await RunEngine.OpenAsync(directory, catalog, new RuntimeOptions { SharedStore = store, Owner = ProcessOwner.Current + "/other" });
            var version = (await other.PublishAsync(PipelineLoader.Load("sleepy.yaml", Yaml.Sleepy, catalog).Pipeline!)).Version;
            var id = await other.CreateRunAsync(version, new JsonObject { ["seconds"] = 1.5 });
            var execution = other.ExecuteAsync(id);

            using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.GetAsync($"/api/runs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
            var events = await ReadEventsAsync(response).WaitAsync(TimeSpan.FromSeconds(30)); // without the store's reads it never ends

            Assert.Equal(RunStatus.Succeeded, await execution);
            // Read from the store, not published here: the nap's progress reports (every 0.5 s) reach its coordinator only.
            Assert.DoesNotContain(events, e => e.Name == "progress");
            Assert.Equal("snapshot", events[0].Name);
            Assert.Equal(("run", "succeeded"), (events[^1].Name, events[^1].Data["status"]!.GetValue<string>()));
            var steps = events.Where(e => e.Name == "step").Select(e => e.Data).ToList();
            Assert.Contains(steps, s => s["stepId"]!.GetValue<string>() == "nap" && s["status"]!.GetValue<string>() == "succeeded");
            Assert.Equal("awake", steps.Single(s => s["stepId"]!.GetValue<string>() == "after" && s["status"]!.GetValue<string>() == "succeeded")
                ["outputs"]!["message"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Events_of_an_unknown_run_are_a_404()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Client.GetAsync("/api/runs/nope/events");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nope", (await Json.ReadAsync(response))["error"]!.GetValue<string>());
    }

    /// <summary>Reads <c>event:</c>/<c>data:</c> pairs until the server ends the stream.</summary>
    private static async Task<List<(string Name, JsonObject Data)>> ReadEventsAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string, JsonObject)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((name!, (JsonObject)JsonNode.Parse(line["data: ".Length..])!));
        }

        return events;
    }
}
