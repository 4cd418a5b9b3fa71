using System.Collections.Concurrent;
using Pipelines.Activities;
using Pipelines.Runtime;

namespace Pipelines.Api.Tests;

public sealed record TallyInputs
{
    [Port("Anything; returned as is.")]
    public string Value { get; init; } = "";
}

public sealed record TallyOutputs
{
    [Port("The value input.")]
    public required string Value { get; init; }
}

/// <summary>Counts its own executions, per run and step, where the runtime cannot hide one.</summary>
[Activity("test.tally", Category = "Test", Description = "Counts its executions.", Deterministic = false)]
public sealed class Tally : IActivity<TallyInputs, TallyOutputs>
{
    public static readonly ConcurrentDictionary<string, int> Executions = new(StringComparer.Ordinal);

    public async Task<TallyOutputs> ExecuteAsync(TallyInputs inputs, ActivityContext context, CancellationToken cancellationToken)
    {
        Executions.AddOrUpdate($"{context.RunId}/{context.StepId}", 1, (_, n) => n + 1);
        await Task.Yield();
        return new TallyOutputs { Value = inputs.Value };
    }
}

/// <summary>
/// The server's start-up resumption against a CLI's <c>runs resume</c> of the same interrupted runs: each run is
/// executed by exactly one of them, whichever takes it over first.
/// </summary>
public sealed class ServerTakeOverTests
{
    private const string Chain = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata: { name: server-take-over }
        steps:
          first: { uses: test.tally@1, with: { value: one } }
          second: { uses: test.tally@1, needs: [first], with: { value: two } }
        """;

    [Fact]
    public async Task A_server_starting_up_and_a_cli_resume_never_both_execute_a_run()
    {
        var catalog = ActivityCatalog.FromAssemblies(BuiltInActivities.Assembly, typeof(Tally).Assembly);
        var directory = Directory.CreateTempSubdirectory("pipelines-take-over-").FullName;
        try
        {
            var runs = new List<string>();
            for (var i = 0; i < 50; i++)
            {
                // Left behind, owned, by a process that was killed before executing anything.
                var dead = $"{Environment.MachineName}:{int.MaxValue - i}:0";
                await using var engine = await RunEngine.OpenAsync(directory, catalog, new RuntimeOptions { Owner = dead });
                var published = await engine.Definitions.PublishAsync("server-take-over", Chain, CancellationToken.None);
                runs.Add(await engine.CreateRunAsync(published.Version, []));
            }

            await using var cli = await RunEngine.OpenAsync(directory, catalog, new RuntimeOptions { Owner = ProcessOwner.Current + "/cli" });
            var server = await ApiHost.BuildAsync(new ApiHostOptions
            {
                DataDirectory = directory,
                Urls = ["http://127.0.0.1:0"],
                Runtime = new RuntimeOptions { MaxParallel = 4 },
                ConsoleLogging = false,
            }, catalog);
            await using (server)
            {
                // The CLI resumes every run at once while the server resumes them all at start-up.
                var resumes = Task.WhenAll(runs.Select(id => Task.Run(async () =>
                {
                    try
                    {
                        await cli.ExecuteAsync(id);
                    }
                    catch (RunRequestException)
                    {
                        // The server has it.
                    }
                })));
                await server.StartAsync();
                await resumes.WaitAsync(TimeSpan.FromSeconds(60));

                foreach (var id in runs)
                {
                    await WaitForEndAsync(cli, id);
                    Assert.Equal(1, Tally.Executions.GetValueOrDefault($"{id}/first"));
                    Assert.Equal(1, Tally.Executions.GetValueOrDefault($"{id}/second"));
                }

                await server.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task WaitForEndAsync(RunEngine engine, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await engine.Runs.GetRunAsync(id, CancellationToken.None))!.Status is not "succeeded")
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {id} did not finish");
            await Task.Delay(20);
        }
    }
}
