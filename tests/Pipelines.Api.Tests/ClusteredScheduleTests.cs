using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Pipelines.Activities;
using Pipelines.Cli.Tests.Crash;
using Pipelines.Runtime;
using Pipelines.Tests;
using Xunit.Abstractions;

namespace Pipelines.Api.Tests;

/// <summary>
/// Three real <c>pipelines serve</c> processes, each with a data directory of its own, sharing one <c>--schedule-store</c>
/// on the real PostgreSQL: a schedule every 2 seconds starts one run per fire time across them, and when the host
/// holding the trigger is killed (SIGKILL, no goodbye) the others take it over.
/// </summary>
[Collection(nameof(ClusteredScheduleTests))]
public sealed class ClusteredScheduleTests(ITestOutputHelper output)
{
    private const string Pipeline = "clustered";
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    // concurrency: allow, so that every firing starts a run: a firing skipped because its previous run was still going
    // would look like a firing that never happened.
    private const string Yaml = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: clustered }
        triggers:
          - schedule: "*/2 * * * * ?"
            concurrency: allow
        steps:
          nothing: { uses: core.noop@1 }
        """;

    // Three servers starting on a small machine busy with other tests: the first validation (the expression engine's
    // first use) may take longer than the 10 s a server allows by default.
    private static readonly Dictionary<string, string> Patient = new() { ["Validation__TimeLimit"] = "00:02:00", ["Validation__QueueTimeout"] = "00:02:00" };

    [Fact]
    public async Task Three_servers_on_one_schedule_store_start_each_firing_once_and_take_over_a_killed_servers_trigger()
    {
        var store = await TestPostgres.CreateDatabaseAsync("clustered_schedules");
        var hosts = Enumerable.Range(0, 3).Select(_ => new Host(Directory.CreateTempSubdirectory("pipelines-cluster-").FullName, TestServer.FreePort())).ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            foreach (var host in hosts)
            {
                host.Process = CliProcess.StartWith(Patient, "serve", "--data-dir", host.Directory, "--urls", host.Url, "--schedule-store", store, "--max-parallel", "2");
            }

            foreach (var host in hosts) await WaitForAsync(() => IsUpAsync(http, host), TimeSpan.FromSeconds(90), $"{host.Url} did not come up:\n{host.Process!.Output}");
            foreach (var host in hosts)
            {
                using var published = await http.PostAsync(host.Url + "/api/definitions", new StringContent(Yaml, Encoding.UTF8, "application/yaml"));
                Assert.True(published.IsSuccessStatusCode, $"publishing on {host.Url}: {(int)published.StatusCode} {await published.Content.ReadAsStringAsync()}");
            }

            // Each host synced the same trigger into the shared store: replaced under its keys, never added beside it.
            Assert.Equal(1L, await ScalarAsync(store, "SELECT count(*) FROM qrtz_triggers WHERE trigger_group = 'schedule:clustered'"));

            // Every host knows the pipeline from here on; a firing before this may have reached one that did not yet.
            var first = NextSlot(DateTimeOffset.UtcNow + Every);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            // All three alive: five fire times in a row.
            await WaitForAsync(async () => (await FireTimesAsync(http, hosts)).Any(t => t >= first + 4 * Every), TimeSpan.FromSeconds(30), "no firings while all three ran");

            // The host whose scheduler has claimed the trigger's next firing dies before firing it: frozen first (SIGSTOP),
            // then, if the claim is still unfired, killed (SIGKILL); a claim that fired in between is let go and the next taken.
            Claim? claim = null;
            var killedAt = DateTimeOffset.MinValue;
            await WaitForAsync(async () =>
            {
                if ((claim = await ClaimAsync(store, hosts)) is null) return false;
                killedAt = DateTimeOffset.UtcNow;
                await SignalAsync(claim.Host, "STOP");
                if (await IsClaimedAsync(store, claim)) return true;
                await SignalAsync(claim.Host, "CONT");
                return false;
            }, TimeSpan.FromSeconds(20), "no host held an unfired claim on the trigger");
            var (holder, claimed) = (claim!.Host, claim.At);
            Assert.True(await holder.Process!.KillAfterAsync(TimeSpan.Zero), "the holder was already gone");
            var survivors = hosts.Where(h => h != holder).ToList();

            // The survivors go on: the claimed firing, then three more.
            await WaitForAsync(async () => (await FireTimesAsync(http, survivors)).Count(t => t > claimed) >= 3, TimeSpan.FromSeconds(40),
                "the survivors did not take the trigger over");
            foreach (var survivor in survivors) await survivor.Process!.KillAfterAsync(TimeSpan.Zero);

            // Every run each store holds: the fire time it records, the host, and when it was created.
            var started = new List<(DateTimeOffset At, int Host, DateTimeOffset Created)>();
            for (var i = 0; i < hosts.Count; i++) started.AddRange((await StoredRunsAsync(hosts[i].Directory)).Select(r => (r.At, i, r.Created)));
            var dead = hosts.IndexOf(holder);
            output.WriteLine($"{started.Count} runs in {clock.Elapsed.TotalSeconds:F0} s after publishing; host {dead} killed at {killedAt:HH:mm:ss.fff} holding the firing at {claimed:HH:mm:ss}; " +
                $"runs (fire time/host/created): {string.Join(" ", started.OrderBy(s => s.At).Select(s => $"{s.At:mm:ss}/{s.Host}/{s.Created:ss.f}"))}");

            // Exactly once: no fire time was started by two hosts, or twice by one.
            var twice = started.GroupBy(s => s.At).Where(g => g.Count() > 1).Select(g => $"{g.Key:HH:mm:ss} on hosts {string.Join(",", g.Select(s => s.Host))}").ToList();
            Assert.True(twice.Count == 0, $"fire times started more than once: {string.Join("; ", twice)}");

            // None lost while all ran: each fire time from the first after publishing until the one before the kill.
            var times = started.Select(s => s.At).ToHashSet();
            Assert.Empty(Missing(times, first, killedAt - Every));

            // Taken over: the firing the dead host had claimed was started by a survivor within seconds of the kill, and
            // none was lost from the next firing on (a take-over later than the misfire threshold fires once and proceeds).
            var takenOver = Assert.Single(started, s => s.At == claimed);
            Assert.NotEqual(dead, takenOver.Host);
            Assert.InRange(takenOver.Created - killedAt, TimeSpan.Zero, TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(started, s => s.Host == dead && s.At > killedAt);
            var afterKill = times.Where(t => t > claimed).Order().ToList();
            Assert.Empty(Missing(times, afterKill[0], afterKill[^1]));
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Process?.Dispose();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(host.Directory, recursive: true);
            }
        }
    }

    private sealed record Host(string Directory, int Port)
    {
        public string Url => $"http://127.0.0.1:{Port}";

        public CliProcess? Process { get; set; }
    }

    private static async Task<bool> IsUpAsync(HttpClient http, Host host)
    {
        Assert.False(host.Process!.HasExited, $"{host.Url} exited:\n{host.Process.Output}");
        try
        {
            using var response = await http.GetAsync(host.Url + "/healthz");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false; // not listening yet, or still starting up
        }
    }

    /// <summary>The fire times the hosts' runs stand for, read through their API.</summary>
    private static async Task<List<DateTimeOffset>> FireTimesAsync(HttpClient http, IEnumerable<Host> hosts)
    {
        var times = new List<DateTimeOffset>();
        foreach (var host in hosts)
        {
            using var response = await http.GetAsync($"{host.Url}/api/runs?pipeline={Pipeline}&limit=500");
            var runs = (await Json.ReadAsync(response))["runs"]!.AsArray();
            times.AddRange(runs.Select(r => FireTime(r!["trigger"]!.GetValue<string>())));
        }

        return times;
    }

    /// <summary>The fire time and creation time of every run in a data directory's store, read after its server has gone.</summary>
    private static async Task<List<(DateTimeOffset At, DateTimeOffset Created)>> StoredRunsAsync(string directory)
    {
        await using var engine = await RunEngine.OpenAsync(directory, BuiltInActivities.CreateCatalog());
        return [.. (await engine.Runs.ListRunsAsync(Pipeline, null, 10_000, CancellationToken.None)).Select(r => (FireTime(r.Trigger), DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt)))];
    }

    /// <summary><c>schedule:clustered#0 at 2026-12-07T04:30:02Z</c>: the fire time a scheduled run stands for.</summary>
    private static DateTimeOffset FireTime(string trigger)
    {
        var at = trigger.LastIndexOf(" at ", StringComparison.Ordinal);
        Assert.True(trigger.StartsWith($"schedule:{Pipeline}#0 at ", StringComparison.Ordinal) && at > 0, $"not a scheduled run's trigger: {trigger}");
        return DateTimeOffset.Parse(trigger[(at + 4)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    /// <summary>A Quartz instance's claim on the trigger's firing at <paramref name="At"/>, and the host it runs in.</summary>
    private sealed record Claim(Host Host, string Instance, DateTimeOffset At);

    /// <summary>The host whose Quartz instance has claimed the trigger's next firing, from Quartz's own table.</summary>
    private static async Task<Claim?> ClaimAsync(string store, IReadOnlyList<Host> hosts)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT instance_name, sched_time FROM qrtz_fired_triggers WHERE trigger_group = $1 AND state = 'ACQUIRED'", connection)
        {
            Parameters = { new() { Value = "schedule:" + Pipeline } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var (instance, at) = (reader.GetString(0), new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero)); // Quartz.NET keeps times as .NET ticks
        // Instance ids are MACHINE-PID-RANDOM (ClusteredQuartz).
        var pid = int.Parse(instance.Split('-')[^2], CultureInfo.InvariantCulture);
        return hosts.FirstOrDefault(h => h.Process!.Id == pid) is { } host ? new Claim(host, instance, at) : null;
    }

    /// <summary>True while <paramref name="claim"/> is still only a claim: its firing has not begun.</summary>
    private static async Task<bool> IsClaimedAsync(string store, Claim claim)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM qrtz_fired_triggers WHERE trigger_group = $1 AND instance_name = $2 AND sched_time = $3 AND state = 'ACQUIRED'", connection)
        {
            Parameters = { new() { Value = "schedule:" + Pipeline }, new() { Value = claim.Instance }, new() { Value = claim.At.UtcTicks } },
        };
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private static async Task SignalAsync(Host host, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, host.Process!.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<object?> ScalarAsync(string store, string sql)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static DateTimeOffset NextSlot(DateTimeOffset time)
    {
        var seconds = (long)Math.Ceiling(time.ToUnixTimeMilliseconds() / 1000.0);
        return DateTimeOffset.FromUnixTimeSeconds(seconds + seconds % 2);
    }

    /// <summary>The fire times from <paramref name="from"/> to <paramref name="to"/> that no run stands for, as HH:mm:ss.</summary>
    private static List<string> Missing(HashSet<DateTimeOffset> started, DateTimeOffset from, DateTimeOffset to)
    {
        var missing = new List<string>();
        for (var t = from; t <= to; t += Every)
        {
            if (!started.Contains(t)) missing.Add(t.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        }

        return missing;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan bound, string failure)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}

/// <summary>Alone, not beside the other tests of this assembly: three servers already fill a small machine, and fire times are seconds apart.</summary>
[CollectionDefinition(nameof(ClusteredScheduleTests), DisableParallelization = true)]
public sealed class ClusteredScheduleCollection;
