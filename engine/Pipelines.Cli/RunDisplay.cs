using Pipelines.Cli.Runs;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Cli;

/// <summary>How <c>run</c> and <c>runs resume</c> show progress: a live table on a terminal, plain lines otherwise.</summary>
public enum ProgressMode
{
    Auto,
    Live,
    Plain,
}

/// <summary>
/// Executes a run in this process while showing its progress, ends with a summary line
/// (<c>run ID STATUS in DURATION</c>) and maps the outcome to the exit code: 0 succeeded, 1 failed, 3 waiting,
/// 4 cancelled. The first Ctrl+C detaches (the run stays resumable; exit 130); a second one ends the process at once.
/// </summary>
public static class RunDisplay
{
    public static async Task<int> ExecuteAsync(CliContext cli, RunEngine engine, RunRow run, ProgressMode mode, CancellationToken ct)
    {
        var board = await RunBoard.LoadAsync(engine, run, ct);
        var glyphs = StepGlyphs.For(cli.Out);
        var live = mode == ProgressMode.Live || mode == ProgressMode.Auto && CliContext.IsTerminal(cli.Out);

        using var subscription = engine.Events.Subscribe(run.Id);
        using var detach = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var ctrlC = new CtrlCDetach(detach);
        LiveRunView? view = live ? new LiveRunView(cli.Console(cli.Out, live: true), board, glyphs, engine.Time) : null;
        await using var detaching = detach.Token.Register(() =>
        {
            if (view is not null) view.Detaching = true;
            else cli.Error.WriteLine($"detaching from run {run.Id}: running steps stop and the run stays resumable; press Ctrl+C again to stop at once");
        });
        var display = view is not null ? view.ShowAsync(subscription.Reader) : new PlainRunPrinter(cli.Out, board, glyphs).PrintAsync(subscription.Reader);

        RunStatus status;
        try
        {
            status = await engine.ExecuteAsync(run.Id, detach.Token);
        }
        catch (RunRequestException e)
        {
            throw new UserError(e.Message);
        }
        catch (OperationCanceledException) when (detach.IsCancellationRequested)
        {
            // Detached before the run was taken over: nothing started, nothing to undo.
            status = StatusNames.ParseRun(run.Status);
        }
        finally
        {
            subscription.Dispose();
            await display;
        }

        var finished = await engine.Runs.GetRunAsync(run.Id, CancellationToken.None) ?? run;
        if (detach.IsCancellationRequested && !status.IsTerminal())
        {
            await cli.Error.WriteLineAsync($"detached from run {run.Id} ({finished.Status}); continue it with `pipelines runs resume {run.Id}`");
            return ExitCodes.Interrupted;
        }

        await cli.Out.WriteLineAsync(Summary(finished, engine.Time.GetUtcNow()));
        return ExitCodes.For(status);
    }

    /// <summary><c>run ID STATUS in DURATION</c>, with the run's error when it has one.</summary>
    public static string Summary(RunRow run, DateTimeOffset now)
    {
        var end = run.FinishedAt ?? now.ToUnixTimeMilliseconds();
        var duration = DurationText.Between(run.StartedAt ?? run.CreatedAt, end);
        return $"run {run.Id} {run.Status} in {duration}{(run.Error is { } error && run.Status != "cancelled" ? $": {error}" : "")}";
    }

    /// <summary>
    /// The first Ctrl+C cancels <c>detach</c> instead of ending the process; a second one is left to the default,
    /// which ends the process at once (the run stays resumable: its owner is gone).
    /// </summary>
    private sealed class CtrlCDetach : IDisposable
    {
        private readonly CancellationTokenSource _detach;
        private int _presses;

        public CtrlCDetach(CancellationTokenSource detach)
        {
            _detach = detach;
            Console.CancelKeyPress += OnCancelKeyPress;
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            if (Interlocked.Increment(ref _presses) > 1) return;
            e.Cancel = true;
            _detach.Cancel();
        }

        public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;
    }
}
