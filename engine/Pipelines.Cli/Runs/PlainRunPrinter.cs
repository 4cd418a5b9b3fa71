using System.Text;
using System.Threading.Channels;
using Pipelines.Runtime;

namespace Pipelines.Cli.Runs;

/// <summary>
/// A run's progress as stable lines, one per status change and one per log line, for output that is not a terminal
/// (tests, CI logs, pipes): <c>  ✓ greet   succeeded  0.01s</c>, <c>    greet   | Hello, world!</c>.
/// </summary>
public sealed class PlainRunPrinter(TextWriter output, RunBoard board, StepGlyphs glyphs)
{
    public async Task PrintAsync(ChannelReader<RunEvent> events)
    {
        await foreach (var e in events.ReadAllAsync(CancellationToken.None))
        {
            var step = board.Apply(e);
            switch (e)
            {
                // Ready only means "queued for a free slot"; the running line follows when it starts.
                case StepStatusChanged { Status: not (StepStatus.Pending or StepStatus.Ready) } changed:
                    await output.WriteLineAsync(Line(step!, glyphs, board.IdWidth, changed.At));
                    break;
                case StepLogged logged:
                    await output.WriteLineAsync($"    {logged.StepId.PadRight(board.IdWidth)}  | {logged.Line}");
                    break;
            }
        }
    }

    /// <summary>One step's status as a line: glyph, id, status (attempt, cached), duration once finished, and its error.</summary>
    public static string Line(StepView step, StepGlyphs glyphs, int idWidth, DateTimeOffset now)
    {
        var line = new StringBuilder($"  {glyphs.Of(step.Status)} {step.Id.PadRight(idWidth)}  {step.Status.Name()}");
        if (step.Status == StepStatus.Retrying) line.Append($" (attempt {step.Attempts + 1})");
        else if (step.Attempts > 1) line.Append($" (attempt {step.Attempts})");
        if (step.Cached) line.Append(" (cached)");
        if (step.Status.IsTerminal() && step.Duration(now) is { } duration) line.Append("  ").Append(DurationText.Format(duration));
        if (step.Error is { } error && !(step.Status == StepStatus.Cancelled && error == "cancelled")) line.Append(": ").Append(error);
        return line.ToString();
    }
}
