using Pipelines.Definitions;
using Pipelines.Engine.Tests.Persistence;
using Pipelines.Runtime;
using Pipelines.Tests;

namespace Pipelines.Engine.Tests.Runtime;

/// <summary>
/// Two runtimes on one PostgreSQL store and one data directory, as two hosts: a run coordinated by one has its steps
/// run by both, a pooled step only by a worker of that pool, and a cancel reaches a step running on the other host.
/// </summary>
public sealed class SharedStoreTests : IAsyncLifetime
{
    private readonly TemporaryDataDirectory _data = new();
    private readonly List<RunEngine> _engines = [];
    private string _store = null!;

    public async Task InitializeAsync() => _store = await TestPostgres.CreateDatabaseAsync("shared");

    public async Task DisposeAsync()
    {
        foreach (var engine in _engines) await engine.DisposeAsync();
        _data.Dispose();
    }

    private async Task<RunEngine> HostAsync(string name, int slots = 2, string[]? pools = null, bool executes = true,
        Dictionary<string, string>? secrets = null)
    {
        var engine = await RunEngine.OpenAsync(_data.Path, RuntimeHarness.Catalog, new RuntimeOptions
        {
            SharedStore = _store, Owner = $"{ProcessOwner.Current}/{name}", MaxParallel = slots, Pools = pools ?? [], ExecutesSteps = executes,
            HeartbeatInterval = TimeSpan.FromMilliseconds(200), Secrets = secrets ?? [],
        });
        _engines.Add(engine);
        return engine;
    }

    private static async Task<string> StartAsync(RunEngine engine, string yaml)
    {
        var loaded = PipelineLoader.Load("shared.yaml", yaml, RuntimeHarness.Catalog);
        Assert.True(loaded.Succeeded, string.Join('\n', loaded.Diagnostics));
        var version = (await engine.PublishAsync(loaded.Pipeline!)).Version;
        return await engine.CreateRunAsync(version, []);
    }

    private static string Sleeps(int count, double seconds, string? pooled = null) =>
        "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: shared }\nsteps:\n" + string.Concat(Enumerable.Range(0, count).Select(i =>
            $"  s{i}:\n    uses: core.sleep@1\n    with:\n      seconds: {seconds}\n"
            + (pooled == $"s{i}" ? "    resources:\n      pool: gpu\n" : "")));

    [Fact]
    public async Task A_runs_steps_are_run_by_the_workers_of_both_hosts_and_it_succeeds()
    {
        var a = await HostAsync("a");
        var b = await HostAsync("b");
        var id = await StartAsync(a, Sleeps(8, 0.3));

        Assert.Equal(RunStatus.Succeeded, await a.ExecuteAsync(id).WaitAsync(RuntimeHarness.RunBound));

        var attempts = await a.StepQueue!.AttemptsAsync(id, CancellationToken.None);
        Assert.Equal(8, attempts.Count);
        Assert.All(attempts, x => Assert.Equal("succeeded", x.Ended));
        Assert.Equal([a.Options.Owner, b.Options.Owner], attempts.Select(x => x.Owner).Distinct().Order());
        Assert.All(await a.Runs.GetStepsAsync(id, CancellationToken.None), s => Assert.Equal(("succeeded", 1), (s.Status, s.Attempts)));
    }

    [Fact]
    public async Task A_pooled_step_runs_only_on_a_worker_of_its_pool()
    {
        var a = await HostAsync("a", slots: 4);
        var gpu = await HostAsync("gpu", slots: 1, pools: ["gpu"]);
        var id = await StartAsync(a, Sleeps(6, 0.05, pooled: "s3"));

        Assert.Equal(RunStatus.Succeeded, await a.ExecuteAsync(id).WaitAsync(RuntimeHarness.RunBound));

        var attempts = await a.StepQueue!.AttemptsAsync(id, CancellationToken.None);
        Assert.Equal(gpu.Options.Owner, Assert.Single(attempts, x => x.Step.StepId == "s3").Owner);
        var logs = await a.Runs.GetLogsAsync(id, "s3", CancellationToken.None);
        Assert.Contains(logs, l => l.Line == "queued for a worker of pool 'gpu'");
        Assert.Contains(logs, l => l.Line == $"ran on worker {gpu.Options.Owner}");
    }

    [Fact]
    public async Task A_host_that_runs_no_steps_coordinates_while_a_worker_runs_them()
    {
        var api = await HostAsync("api", executes: false);
        var worker = await HostAsync("worker");
        var id = await StartAsync(api, Sleeps(3, 0.05));

        Assert.Equal(RunStatus.Succeeded, await api.ExecuteAsync(id).WaitAsync(RuntimeHarness.RunBound));
        Assert.All(await api.StepQueue!.AttemptsAsync(id, CancellationToken.None), x => Assert.Equal(worker.Options.Owner, x.Owner));
    }

    [Fact]
    public async Task A_steps_log_and_progress_on_a_worker_are_shown_live_on_its_coordinator_and_stored_once()
    {
        var api = await HostAsync("api", executes: false);
        await HostAsync("worker");
        var id = await StartAsync(api, """
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata: { name: chatty }
            steps:
              talk:
                uses: test.chatty@1
                with: { lines: 3 }
            """);
        using var watching = api.Events.Subscribe(id);
        var seen = new List<RunEvent>();
        var execution = api.ExecuteAsync(id);

        // While the step waits at its gate on the worker, its lines and its progress reach the coordinator's watchers.
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (!(seen.OfType<StepLogged>().Any(l => l.Line == "line 2") && seen.OfType<StepProgressed>().Any()))
            {
                seen.Add(await watching.Reader.ReadAsync(bound.Token));
            }
        }

        Assert.False(execution.IsCompleted);
        var progress = Assert.Single(seen.OfType<StepProgressed>());
        Assert.Equal(("talk", 0.5, "half way", 1.25), (progress.StepId, progress.Fraction, progress.Message, progress.Metrics!["loss"]));

        Probe.For(id).Gate.Release();
        Assert.Equal(RunStatus.Succeeded, await execution.WaitAsync(RuntimeHarness.RunBound));
        while (watching.Reader.TryRead(out var late)) seen.Add(late);

        // Each line was shown once (live, or with the outcome for the one logged after the gate) and stored once, in order.
        string[] lines = ["line 0", "line 1", "line 2", "after the gate"];
        Assert.Equal(lines, seen.OfType<StepLogged>().Select(l => l.Line).Where(lines.Contains));
        Assert.Equal(lines, (await api.Runs.GetLogsAsync(id, "talk", CancellationToken.None)).Select(l => l.Line).Where(lines.Contains));
    }

    private const string Secretive = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: secretive }
        steps:
          call:
            uses: test.count@1
            with:
              value: "key=${{ secrets.token }}"
        """;

    [Fact]
    public async Task A_secret_reaches_a_worker_that_has_it_and_a_worker_without_it_fails_the_step_naming_the_variable()
    {
        var secrets = new Dictionary<string, string> { ["token"] = "hunter2-token-value" };
        var api = await HostAsync("api", executes: false, secrets: secrets);
        var worker = await HostAsync("worker", secrets: secrets);
        var id = await StartAsync(api, Secretive);

        Assert.Equal(RunStatus.Succeeded, await api.ExecuteAsync(id).WaitAsync(RuntimeHarness.RunBound));
        var call = Assert.Single(await api.Runs.GetStepsAsync(id, CancellationToken.None));
        Assert.Equal("key=***", (string)System.Text.Json.Nodes.JsonNode.Parse(call.Outputs!)!["value"]!); // the real value, masked on the way out
        await worker.DisposeAsync();
        _engines.Remove(worker);

        var bare = await HostAsync("bare");
        var failing = await StartAsync(api, Secretive.Replace("value: \"key=", "value: \"again=", StringComparison.Ordinal));

        Assert.Equal(RunStatus.Failed, await api.ExecuteAsync(failing).WaitAsync(RuntimeHarness.RunBound));
        var error = Assert.Single(await api.Runs.GetStepsAsync(failing, CancellationToken.None)).Error;
        Assert.Contains($"the worker {bare.Options.Owner} has no secret token", error);
        Assert.Contains("PIPELINES_SECRET_TOKEN", error);
    }

    [Fact]
    public async Task Cancelling_reaches_a_step_running_on_another_host()
    {
        var api = await HostAsync("api", executes: false);
        var worker = await HostAsync("worker");
        var id = await StartAsync(api, Sleeps(1, 600));
        var execution = api.ExecuteAsync(id);
        while ((await api.StepQueue!.AttemptsAsync(id, CancellationToken.None)).Count == 0) await Task.Delay(20);

        await api.CancelAsync(id);

        Assert.Equal(RunStatus.Cancelled, await execution.WaitAsync(RuntimeHarness.RunBound));
        // The worker stops it within a heartbeat; its outcome is recorded as cancelled.
        var deadline = DateTime.UtcNow + RuntimeHarness.RunBound;
        string? ended;
        while ((ended = (await worker.StepQueue!.AttemptsAsync(id, CancellationToken.None)).Single().Ended) is null && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal("cancelled", ended);
    }
}
