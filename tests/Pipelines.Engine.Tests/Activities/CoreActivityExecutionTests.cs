using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Activities;

/// <summary>Runs the control activities through their descriptors, as the engine does: JSON in, JSON out.</summary>
public sealed class CoreActivityExecutionTests
{
    private static readonly ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    private static Task<JsonObject> Run(string type, JsonObject inputs, ActivityContext? context = null, CancellationToken ct = default) =>
        Catalog.Find(type, 1)!.ExecuteAsync(inputs, context ?? Context(), ct);

    private static ActivityContext Context(IProgress<ProgressUpdate>? progress = null, Action<string>? log = null) => new()
    {
        RunId = "run-1",
        StepId = "step",
        Progress = progress ?? new Recorder(),
        Log = log ?? (_ => { }),
    };

    [Fact]
    public async Task Echo_returns_its_message_and_logs_it()
    {
        var logged = new List<string>();

        var outputs = await Run("core.echo", new JsonObject { ["message"] = "Hello, world!" }, Context(log: logged.Add));

        Assert.Equal("""{"message":"Hello, world!"}""", outputs.ToJsonString());
        Assert.Equal(["Hello, world!"], logged);
    }

    [Fact]
    public async Task Noop_succeeds_with_no_outputs()
    {
        var outputs = await Run("core.noop", []);

        Assert.Empty(outputs);
    }

    [Fact]
    public async Task Fail_fails_with_its_message()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run("core.fail", new JsonObject { ["message"] = "disk on fire" }));

        Assert.Equal("disk on fire", error.Message);
    }

    [Fact]
    public async Task Fail_without_a_message_uses_the_default()
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run("core.fail", []));

        Assert.Equal("failed on purpose (core.fail)", error.Message);
        Assert.True(error.Retryable);
    }

    [Fact]
    public async Task Sleep_reports_progress_up_to_done()
    {
        var progress = new Recorder();

        await Catalog.Find("core.sleep", 1)!.ExecuteAsync(
            new JsonObject { ["seconds"] = 1 },
            new ActivityContext { RunId = "run-1", StepId = "pause", Progress = progress, Time = new InstantTimeProvider() },
            CancellationToken.None);

        // One update per quarter-second wait, then done.
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], progress.Updates.Select(u => u.Fraction!.Value));
        Assert.Equal("0.0s of 1.0s", progress.Updates.First().Message);
        Assert.All(progress.Updates.SkipLast(1), u => Assert.EndsWith("s of 1.0s", u.Message));
        Assert.Equal("done", progress.Updates.Last().Message);
    }

    [Fact]
    public async Task Sleep_waits_on_the_real_clock_by_default()
    {
        var progress = new Recorder();
        var started = DateTime.UtcNow;

        await Run("core.sleep", new JsonObject { ["seconds"] = 0.3 }, Context(progress));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.29));
        Assert.Equal(new ProgressUpdate(1, "done"), progress.Updates.Last());
    }

    [Fact]
    public async Task Sleep_of_zero_seconds_is_done_at_once()
    {
        var progress = new Recorder();

        await Run("core.sleep", new JsonObject { ["seconds"] = 0 }, Context(progress));

        Assert.Equal([new ProgressUpdate(1, "done")], progress.Updates);
    }

    [Fact]
    public async Task Sleep_stops_when_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run("core.sleep", new JsonObject { ["seconds"] = 3600 }, ct: cancel.Token));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Sleep_already_cancelled_does_not_start()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Run("core.sleep", new JsonObject { ["seconds"] = 60 }, ct: new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData("core.echo", """{}""", "message")]
    [InlineData("core.echo", """{ "message": 42 }""", "message")]
    [InlineData("core.echo", """{ "message": ["a"] }""", "message")]
    [InlineData("core.echo", """{ "message": "hi", "volume": 11 }""", "volume")]
    [InlineData("core.sleep", """{ "seconds": "soon" }""", "seconds")]
    [InlineData("core.sleep", """{}""", "seconds")]
    [InlineData("core.fail", """{ "message": true }""", "message")]
    [InlineData("core.noop", """{ "anything": 1 }""", "anything")]
    public async Task Bad_inputs_fail_naming_the_input(string type, string json, string input)
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run(type, JsonNode.Parse(json)!.AsObject()));

        Assert.Contains(input, error.Message);
        Assert.StartsWith("invalid inputs", error.Message);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task A_null_for_a_required_text_input_fails_naming_the_input()
    {
        // An expression such as ${{ steps.x.outputs.missing }} renders to null at run time; a non-nullable
        // `required string` must not be bound to null and handed to the activity.
        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => Run("core.echo", new JsonObject { ["message"] = null }));

        Assert.Contains("message", error.Message);
    }

    [Fact]
    public async Task A_factory_can_create_the_activity_instance()
    {
        var created = new List<Type>();

        await Catalog.Find("core.noop", 1)!.ExecuteAsync([], Context(), CancellationToken.None, type =>
        {
            created.Add(type);
            return Activator.CreateInstance(type)!;
        });

        Assert.Equal(["NoOp"], created.Select(t => t.Name));
    }

    /// <summary>Records progress synchronously (<see cref="Progress{T}"/> would post to the thread pool and reorder).</summary>
    private sealed class Recorder : IProgress<ProgressUpdate>
    {
        public ConcurrentQueue<ProgressUpdate> Updates { get; } = new();

        public void Report(ProgressUpdate value) => Updates.Enqueue(value);
    }
}
