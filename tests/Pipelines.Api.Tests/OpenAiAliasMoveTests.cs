using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Pipelines.Activities.Serving;
using Pipelines.Activities.Serving.OpenAi;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Api.Tests;

/// <summary>
/// A served alias follows the registry: after a move (seen by <see cref="ServedModels.RefreshAsync"/>, which the
/// refresh timer calls), new requests get the new version while a request in flight finishes on the old one; rollback
/// returns; a version that cannot be loaded leaves the old one serving; a pinned version never moves. Versions 1 and 2
/// are tiny models with different weights, so their greedy texts tell them apart; version 3 has no ONNX export.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class OpenAiAliasMoveTests : IAsyncLifetime
{
    private const string Prompt = "Subject: the quarterly numbers\n\nPlease send them by Friday.";
    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-alias-move-test-").FullName;
    private readonly StoppedTimers _time = new();
    private readonly Dictionary<int, string> _exports = [];
    private ApiServer _server = null!;
    private HttpClient _client = null!;
    private IModelRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        _exports[1] = OpenAiTestHost.Export(Path.Combine(_data, "exports", "v1"), seed: 3);
        _exports[2] = OpenAiTestHost.Export(Path.Combine(_data, "exports", "v2"), seed: 4);
        var empty = Directory.CreateDirectory(Path.Combine(_data, "exports", "v3")).FullName;
        await OpenAiTestHost.RegisterAsync(_data, _exports[1], _exports[2], empty);

        (_server, _client) = await OpenAiTestHost.StartAsync(_data, ["m@production", "m/1"], new Dictionary<string, string?> { ["RefreshSeconds"] = "5" }, _time,
            ("app", "app-secret-0123456789", ["inference"]));
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "app-secret-0123456789");
        _registry = _server.Engine.Registry;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private ServedModels Served => _server.App.Services.GetRequiredService<ServedModels>();

    private string Text(int version) => OpenAiTestHost.Expected(_exports[version], Prompt, 12).Text;

    private Task MoveAsync(int version) => _registry.MoveAliasAsync("m", "production", version, "ann", null, CancellationToken.None);

    private async Task<string> CompleteAsync(string model = "m@production")
    {
        using var response = await _client.PostAsync("/v1/completions", Body(model, stream: false));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["text"]!;
    }

    private static StringContent Body(string model, bool stream) => new(new JsonObject
    {
        ["model"] = model,
        ["prompt"] = Prompt,
        ["max_tokens"] = 12,
        ["temperature"] = 0,
        ["stream"] = stream,
    }.ToJsonString(), Encoding.UTF8, "application/json");

    private async Task<Dictionary<string, int>> ServedVersionsAsync()
    {
        var models = JsonNode.Parse(await _client.GetStringAsync("/v1/models"))!["data"]!.AsArray();
        return models.ToDictionary(m => (string)m!["id"]!, m => (int)m!["version"]!);
    }

    [Fact]
    public async Task The_two_versions_answer_differently_so_the_tests_can_tell_them_apart()
    {
        Assert.NotEqual(Text(1), Text(2));
        Assert.Equal(Text(1), await CompleteAsync());
    }

    [Fact]
    public async Task A_stream_in_flight_finishes_on_the_old_version_and_the_next_request_gets_the_new_one()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = Body("m@production", stream: true) };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync(); // the first token's event: the request runs on version 1

        await MoveAsync(2);
        await Served.RefreshAsync(CancellationToken.None);
        var servedWhileStreaming = await ServedVersionsAsync();
        var events = (first + "\n" + await reader.ReadToEndAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, servedWhileStreaming["m@production"]);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Equal(Text(1), string.Concat(events[..^1].Select(e => (string?)JsonNode.Parse(e["data: ".Length..])!["choices"]![0]!["text"])));
        Assert.Equal(Text(2), await CompleteAsync());
    }

    [Fact]
    public async Task A_rollback_returns_to_the_first_version()
    {
        await MoveAsync(2);
        await Served.RefreshAsync(CancellationToken.None);
        var moved = await CompleteAsync();

        await _registry.RollbackAsync("m", "production", "ann", "bad answers", CancellationToken.None);
        await Served.RefreshAsync(CancellationToken.None);

        Assert.Equal(Text(2), moved);
        Assert.Equal(1, (await ServedVersionsAsync())["m@production"]);
        Assert.Equal(Text(1), await CompleteAsync());
    }

    [Fact]
    public async Task A_version_without_an_onnx_export_leaves_the_old_one_serving_until_a_loadable_one_comes()
    {
        await MoveAsync(3);
        await Served.RefreshAsync(CancellationToken.None);
        var afterRefused = (await ServedVersionsAsync())["m@production"];
        var answer = await CompleteAsync();
        await MoveAsync(2);
        await Served.RefreshAsync(CancellationToken.None);

        Assert.Equal(1, afterRefused);
        Assert.Equal(Text(1), answer);
        Assert.Equal(Text(2), await CompleteAsync());
    }

    [Fact]
    public async Task A_pinned_version_never_moves()
    {
        await MoveAsync(2);
        await Served.RefreshAsync(CancellationToken.None);

        Assert.Equal(new Dictionary<string, int> { ["m@production"] = 2, ["m/1"] = 1 }, await ServedVersionsAsync());
        Assert.Equal(Text(1), await CompleteAsync("m/1"));
    }

    [Fact]
    public void The_refresh_and_the_monitoring_windows_run_on_timers_of_the_given_time_provider() =>
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60)], _time.Periods.Order()); // RefreshSeconds, MonitorSeconds

    [Fact]
    public async Task A_replaced_version_is_disposed_only_when_its_last_request_lets_go()
    {
        var live = Served.Find("m@production")!;
        var lease = live.Acquire();
        var old = lease.Model;
        await MoveAsync(2);
        await Served.RefreshAsync(CancellationToken.None);

        var whileHeld = old.Batcher.Submit(new ServingRequest { Prompt = [1, 2, 3], MaxTokens = 2, Temperature = 0 });
        await whileHeld.Response!.Completion;
        lease.Dispose();

        Assert.Equal(2, live.Current.Version.Version);
        Assert.Throws<ObjectDisposedException>(() => old.Batcher.Submit(new ServingRequest { Prompt = [1, 2, 3], MaxTokens = 2, Temperature = 0 }));
    }

    /// <summary>A clock whose timers never fire on their own (the tests call the refresh themselves), recording their periods.</summary>
    private sealed class StoppedTimers : TimeProvider
    {
        public List<TimeSpan> Periods { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Periods.Add(period);
            return new Stopped();
        }

        private sealed class Stopped : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
