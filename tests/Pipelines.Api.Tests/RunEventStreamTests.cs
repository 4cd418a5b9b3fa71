using System.Net;
using System.Text.Json.Nodes;

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
