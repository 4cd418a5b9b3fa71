using System.CommandLine;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Pipelines.Definitions;
using Pipelines.Hosting;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines worker --store postgres://... [--pool NAME]...</c>: runs steps of pipelines started on any host of the
/// shared store, and takes over runs whose coordinator died, until Ctrl+C or SIGTERM (its steps then go back to the
/// queue for the other workers).
/// </summary>
public static partial class WorkerCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var pools = new Option<string[]>("--pool")
        {
            Description = "Also run the steps of this pool (resources: { pool: NAME }), e.g. gpu on a host with a GPU; repeatable. Steps without a pool run on every worker",
            AllowMultipleArgumentsPerToken = false,
        };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Steps running at once on this worker (default: number of cores)" };
        var command = new Command("worker", "Run the steps of pipelines on a shared store (--store postgres://...), as one of several hosts") { pools, maxParallel };
        command.SetAction((result, ct) => RunAsync(context(result), result.GetValue(pools) ?? [], result.GetValue(maxParallel), ct));
        return command;
    }

    [GeneratedRegex(FormatPatterns.PoolName)]
    private static partial Regex PoolName();

    private static async Task<int> RunAsync(CliContext cli, string[] pools, int? maxParallel, CancellationToken ct)
    {
        if (cli.SharedStore is null)
        {
            throw new UserError("a worker needs the shared store",
                "give --store postgres://USER:PASSWORD@HOST:5432/DATABASE (or set PIPELINES_STORE), the same on every host, with a --data-dir every host sees");
        }

        if (pools.FirstOrDefault(p => !PoolName().IsMatch(p)) is { } bad)
        {
            throw new UserError($"--pool '{bad}' is not a pool name", "use lower-case letters, digits and '-', e.g. --pool gpu");
        }

        var runtime = CliContext.RuntimeOptions(maxParallel) with { SharedStore = cli.SharedStore, Pools = [.. pools.Distinct(StringComparer.Ordinal)] };
        var (host, engine) = await WorkerHost.BuildAsync(cli.DataDirectory, cli.Catalog, runtime, ct);
        await using (engine)
        {
            await cli.Error.WriteLineAsync($"worker {runtime.Owner}: pools default{string.Concat(runtime.Pools.Select(p => ", " + p))}; "
                                           + $"{runtime.MaxParallel} step(s) at once; data {cli.DataDirectory}");
            using (host)
            {
                await host.RunAsync(ct);
            }

            await cli.Error.WriteLineAsync("stopped; the steps it was running went back to the queue");
        }

        return ExitCodes.Ok;
    }
}
