using Pipelines.Runtime;

namespace Pipelines.Cli;

/// <summary>Executes a run in this process while printing its events; maps the outcome to the exit code.</summary>
public static class RunDisplay
{
    public const int Waiting = 3;
    public const int Cancelled = 4;
    public const int Interrupted = 130;

    public static async Task<int> ExecuteAsync(CliContext cli, RunEngine engine, string runId, CancellationToken ct)
    {
        using var subscription = engine.Events.Subscribe(runId);
        var printer = Task.Run(async () =>
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(CancellationToken.None))
            {
                switch (e)
                {
                    case StepStatusChanged s when s.Status is not (StepStatus.Pending):
                        await cli.Out.WriteLineAsync($"  {s.StepId,-24} {s.Status.Name()}{(s.Cached ? " (cached)" : "")}{(s.Attempt > 1 ? $" attempt {s.Attempt}" : "")}{(s.Error is null ? "" : $": {s.Error}")}");
                        break;
                    case StepLogged l:
                        await cli.Out.WriteLineAsync($"  {l.StepId,-24} | {l.Line}");
                        break;
                }
            }
        }, CancellationToken.None);

        RunStatus status;
        try
        {
            status = await engine.ExecuteAsync(runId, ct);
        }
        catch (RunRequestException e)
        {
            throw new UserError(e.Message);
        }
        finally
        {
            subscription.Dispose();
            await printer;
        }

        var row = await engine.Runs.GetRunAsync(runId, CancellationToken.None);
        if (ct.IsCancellationRequested && !status.IsTerminal())
        {
            await cli.Error.WriteLineAsync($"interrupted; the run continues with `pipelines runs resume {runId}`");
            return Interrupted;
        }

        await cli.Out.WriteLineAsync($"run {runId} {status.Name()}{(row?.Error is { } error ? $": {error}" : "")}");
        return status switch
        {
            RunStatus.Succeeded => ExitCodes.Ok,
            RunStatus.Waiting => Waiting,
            RunStatus.Cancelled => Cancelled,
            _ => ExitCodes.Failed,
        };
    }
}
