using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Cli.Tests.Crash;
using Pipelines.Persistence.Postgres;
using Pipelines.Runtime.Stores;
using Pipelines.Tests;
using Xunit.Abstractions;

namespace Pipelines.Api.Tests;

/// <summary>
/// Real processes on a real PostgreSQL: a <c>serve --store --no-worker</c> that coordinates a run and three
/// <c>pipelines worker</c> processes that run its steps, one of them killed (SIGKILL) and restarted again and again,
/// or the database itself restarted mid-run. Checked from the run's steps and from the record of every claim of every
/// attempt (which worker, when, how it ended): the run succeeds, nothing is lost, no step that succeeded runs again,
/// and no two workers ever run one step at the same time.
/// </summary>
[Collection(nameof(ClusteredScheduleTests))]
public sealed class WorkerFaultTests(ITestOutputHelper output)
{
    // A worker restarting on a machine busy with other tests may take a while to validate its first pipeline.
    private static readonly Dictionary<string, string> Patient = new() { ["Validation__TimeLimit"] = "00:02:00", ["Validation__QueueTimeout"] = "00:02:00" };

    /// <summary><paramref name="lanes"/> chains of <paramref name="chain"/> steps that each sleep <paramref name="seconds"/>.</summary>
    private static string Lanes(int lanes, int chain, double seconds)
    {
        var yaml = new StringBuilder("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: lanes }\nsteps:\n");
        for (var lane = 0; lane < lanes; lane++)
        {
            for (var i = 0; i < chain; i++)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"  l{lane}_{i}:\n    uses: core.sleep@1\n    with: {{ seconds: {seconds} }}\n");
                if (i > 0) yaml.Append(CultureInfo.InvariantCulture, $"    needs: [l{lane}_{i - 1}]\n");
            }
        }

        return yaml.ToString();
    }

    [Fact]
    public async Task Three_workers_finish_a_200_step_run_while_one_of_them_is_killed_20_times()
    {
        var store = await TestPostgres.CreateDatabaseAsync("worker_faults");
        await using var cluster = await Cluster.StartAsync(store, output);
        // 200 steps, at most ten running at once, at least 20 seconds end to end: the kills land while it runs.
        var id = await cluster.StartRunAsync(Lanes(10, 20, 1.0));

        var random = new Random(17);
        var kills = new List<(int Pid, DateTimeOffset At)>();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 1200)));
            var victim = random.Next(cluster.Workers.Length);
            var pid = cluster.Workers[victim].Id;
            // The moment before the signal: the worker runs nothing after it, and may be found dead (and its claims
            // taken) before the kill call returns, which waits for the process to be reaped.
            kills.Add((pid, DateTimeOffset.UtcNow));
            Assert.True(await cluster.Workers[victim].KillAfterAsync(TimeSpan.Zero), $"worker {victim} had exited:\n{cluster.Workers[victim].Output}");
            cluster.RestartWorker(victim);
        }

        var status = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(4));
        output.WriteLine($"{kills.Count} kills; run {status}");
        Assert.Equal("succeeded", status);
        await cluster.AssertEveryStepRanAloneAndSucceededOnceAsync(id, kills);
        // The coordinator lived: each step's attempts are its claims, every worker lost with one counted as an attempt.
        var claims = (await cluster.AttemptsAsync(id)).CountBy(a => a.Step.StepId).ToDictionary();
        Assert.All(await cluster.StepsAsync(id), s => Assert.True(s.Attempts == claims[s.StepId], $"{s.StepId}: {s.Attempts} attempts, {claims[s.StepId]} claims"));
        Assert.Contains(claims.Values, c => c > 1); // the kills did land on running steps
    }

    [Fact]
    public async Task Workers_reconnect_after_PostgreSQL_restarts_mid_run_and_the_run_finishes()
    {
        // A server of its own (restarting the one every other test shares would fail them), with PostgreSQL's durable
        // settings: the restart is a crash (immediate), and the shared test server's fsync-off, asynchronous commits
        // lose what they acknowledged just before one.
        using var server = TestPostgres.PrivateServer.Start(durable: true);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString);
        await using (var admin = new Npgsql.NpgsqlConnection(builder.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand("CREATE DATABASE restarts", admin);
            await create.ExecuteNonQueryAsync();
        }

        builder.Database = "restarts";
        await using var cluster = await Cluster.StartAsync(builder.ConnectionString, output);
        var id = await cluster.StartRunAsync(Lanes(4, 10, 0.5));
        await cluster.WaitForAttemptsAsync(id, 10);

        server.Restart();
        var restartedAt = DateTimeOffset.UtcNow;

        Assert.Equal("succeeded", await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3)));
        var attempts = await cluster.AttemptsAsync(id);
        Assert.Contains(attempts, a => DateTimeOffset.FromUnixTimeMilliseconds(a.ClaimedAt) > restartedAt);
        await cluster.AssertEveryStepRanAloneAndSucceededOnceAsync(id, []);
    }

    /// <summary>One coordinating server and three workers on one store and one data directory.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly string _store;
        private readonly string _data = Directory.CreateTempSubdirectory("pipelines-workers-").FullName;
        private readonly int _port = TestServer.FreePort();
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
        private readonly ITestOutputHelper _output;
        private readonly PostgresStore _reader;
        private CliProcess _server = null!;

        private Cluster(string store, PostgresStore reader, ITestOutputHelper output)
        {
            _store = store;
            _reader = reader;
            _output = output;
        }

        public CliProcess[] Workers { get; } = new CliProcess[3];

        private string Url => $"http://127.0.0.1:{_port}";

        public static async Task<Cluster> StartAsync(string store, ITestOutputHelper output)
        {
            var cluster = new Cluster(store, await PostgresStore.OpenAsync(store), output);
            cluster._server = CliProcess.StartWith(Patient, "serve", "--store", store, "--no-worker", "--data-dir", cluster._data, "--urls", cluster.Url);
            for (var i = 0; i < cluster.Workers.Length; i++) cluster.RestartWorker(i);
            await WaitForAsync(cluster.IsUpAsync, TimeSpan.FromSeconds(90), () => $"the server did not come up:\n{cluster._server.Output}");
            return cluster;
        }

        public void RestartWorker(int i)
        {
            Workers[i]?.Dispose();
            Workers[i] = CliProcess.StartWith(Patient, "worker", "--store", _store, "--data-dir", _data, "--max-parallel", "4");
        }

        private async Task<bool> IsUpAsync()
        {
            Assert.False(_server.HasExited, $"the server exited:\n{_server.Output}");
            try
            {
                using var response = await _http.GetAsync(Url + "/healthz");
                return response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        public async Task<string> StartRunAsync(string yaml)
        {
            using var published = await _http.PostAsync(Url + "/api/definitions", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
            Assert.True(published.IsSuccessStatusCode, $"publishing: {(int)published.StatusCode} {await published.Content.ReadAsStringAsync()}");
            using var started = await _http.PostAsync(Url + "/api/runs", new StringContent("""{"pipeline": "lanes"}""", Encoding.UTF8, "application/json"));
            Assert.True(started.IsSuccessStatusCode, $"starting: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
            return (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["id"]!;
        }

        public async Task<string> WaitForEndAsync(string id, TimeSpan bound)
        {
            var status = "";
            await WaitForAsync(async () =>
            {
                try
                {
                    var run = await _reader.OpenRunStore(null).GetRunAsync(id, CancellationToken.None);
                    status = run?.Status ?? "";
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or IOException)
                {
                    status = $"unknown ({e.Message})"; // the server is restarting: ask again
                }

                return status is "succeeded" or "failed" or "cancelled";
            }, bound, () => $"run {id} still {status}; {DescribeAsync(id).GetAwaiter().GetResult()}\nserver:\n{_server.Output}\nworkers:\n{string.Join("\n---\n", Workers.Select(w => w.Output))}");
            return status;
        }

        /// <summary>Where a run that did not end stands: its steps by status, its tickets, and the claims that never ended.</summary>
        private async Task<string> DescribeAsync(string id)
        {
            var steps = await _reader.OpenRunStore(null).GetStepsAsync(id, CancellationToken.None);
            await using var connection = await _reader.DataSource.OpenConnectionAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT q.step_id, q.attempt, q.status, q.owner, q.claims, q.lease_expires_at FROM step_queue q JOIN steps s ON s.run_id = q.run_id AND s.step_id = q.step_id WHERE q.run_id = $1 AND s.status <> 'succeeded'", connection)
            {
                Parameters = { new() { Value = id } },
            };
            var tickets = new StringBuilder();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tickets.Append(CultureInfo.InvariantCulture, $"{reader.GetString(0)} attempt {reader.GetInt32(1)} {reader.GetString(2)} by {(reader.IsDBNull(3) ? "-" : reader.GetString(3))} claims {reader.GetInt32(4)}; ");
                }
            }

            var open = (await AttemptsAsync(id)).Where(a => a.Ended is null).Select(a => $"{a.Step.StepId}#{a.Attempt}.{a.Claim} by {a.Owner}");
            return $"steps: {string.Join(", ", steps.GroupBy(s => s.Status).Select(g => $"{g.Count()} {g.Key}"))} "
                   + $"(not succeeded: {string.Join(", ", steps.Where(s => s.Status != "succeeded").Select(s => $"{s.StepId} {s.Status} attempt {s.Attempts}"))}); "
                   + $"tickets of the steps not succeeded: {tickets}; claims never ended: {string.Join(", ", open)}";
        }

        public Task<IReadOnlyList<Persistence.StepRow>> StepsAsync(string id) => _reader.OpenRunStore(null).GetStepsAsync(id, CancellationToken.None);

        public Task<IReadOnlyList<StepAttemptRow>> AttemptsAsync(string id) => new PostgresStepQueue(_reader.DataSource).AttemptsAsync(id, CancellationToken.None);

        public Task WaitForAttemptsAsync(string id, int count) =>
            WaitForAsync(async () => (await AttemptsAsync(id)).Count >= count, TimeSpan.FromSeconds(60), () => $"fewer than {count} attempts of run {id}");

        /// <summary>
        /// Every step succeeded, with exactly one claim that ended in success and none after it; for each step, every
        /// claim began only once the one before it had ended, or once its worker had been killed.
        /// </summary>
        public async Task AssertEveryStepRanAloneAndSucceededOnceAsync(string id, IReadOnlyList<(int Pid, DateTimeOffset At)> kills)
        {
            var steps = await _reader.OpenRunStore(null).GetStepsAsync(id, CancellationToken.None);
            Assert.All(steps, s => Assert.True(s.Status == "succeeded", $"{s.StepId} is {s.Status}: {s.Error}"));
            var attempts = await AttemptsAsync(id);
            var killedAt = kills.ToDictionary(k => k.Pid, k => k.At.ToUnixTimeMilliseconds());
            _output.WriteLine($"{steps.Count} steps, {attempts.Count} claims, {attempts.Count(a => a.Ended is null)} cut short by a kill");
            foreach (var step in steps)
            {
                var claims = attempts.Where(a => a.Step.StepId == step.StepId).OrderBy(a => a.ClaimedAt).ToList();
                Assert.True(claims.Count(c => c.Ended == "succeeded") == 1, $"{step.StepId}: {Describe(claims)}");
                Assert.Equal("succeeded", claims[^1].Ended);
                for (var i = 1; i < claims.Count; i++)
                {
                    var before = claims[i - 1];
                    var endedAt = before.FinishedAt ?? killedAt.GetValueOrDefault(Pid(before.Owner), long.MaxValue);
                    Assert.True(endedAt <= claims[i].ClaimedAt, $"{step.StepId} ran on two workers at once: {Describe(claims)}");
                }
            }
        }

        private static int Pid(string owner) => int.Parse(owner.Split('/')[0].Split(':')[1], CultureInfo.InvariantCulture);

        private static string Describe(IEnumerable<StepAttemptRow> claims) =>
            string.Join("; ", claims.Select(c => $"attempt {c.Attempt} claim {c.Claim} by {c.Owner} at {c.ClaimedAt} ended {c.Ended ?? "never"} at {c.FinishedAt}"));

        public async ValueTask DisposeAsync()
        {
            foreach (var worker in Workers) await worker.KillAfterAsync(TimeSpan.Zero);
            await _server.KillAfterAsync(TimeSpan.Zero);
            foreach (var worker in Workers) worker.Dispose();
            _server.Dispose();
            _http.Dispose();
            await _reader.DisposeAsync();
            Directory.Delete(_data, recursive: true);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan bound, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(100);
        }
    }
}
