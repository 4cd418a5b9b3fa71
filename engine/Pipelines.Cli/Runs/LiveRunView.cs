using System.Globalization;
using System.Threading.Channels;
using Pipelines.Runtime;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipelines.Cli.Runs;

/// <summary>
/// A run's progress on a terminal: one row per step, redrawn in place about ten times a second, with the status,
/// attempt, cache hit, time, a progress bar with the activity's message, its latest metrics and last log line.
/// </summary>
public sealed class LiveRunView(IAnsiConsole console, RunBoard board, StepGlyphs glyphs, TimeProvider time)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    /// <summary>Set once Ctrl+C asked to detach: the caption says so while running steps stop.</summary>
    public bool Detaching { get; set; }

    /// <summary>Shows the board until <paramref name="events"/> completes; the last frame stays on screen.</summary>
    public Task ShowAsync(ChannelReader<RunEvent> events) =>
        console.Live(Render())
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .Cropping(VerticalOverflowCropping.Top)
            .StartAsync(async context =>
            {
                while (true)
                {
                    while (events.TryRead(out var e)) board.Apply(e);
                    context.UpdateTarget(Render());
                    if (events.Completion.IsCompleted) return;
                    await Task.WhenAny(events.Completion, Task.Delay(Refresh, time));
                }
            });

    /// <summary>The board at this moment: a line per step, cut to the console's width so nothing wraps.</summary>
    public IRenderable Render()
    {
        var now = time.GetUtcNow();
        var width = Math.Max(console.Profile.Width, 40) - 1;
        var statuses = board.Steps.Select(Status).ToList();
        var statusWidth = statuses.Select(s => s.Length).DefaultIfEmpty(0).Max();
        var fixedWidth = 2 + board.IdWidth + 2 + statusWidth + 2 + 6;
        var barWidth = width - fixedWidth >= 60 ? 20 : width - fixedWidth >= 35 ? 10 : 0;
        var detailWidth = width - fixedWidth - (barWidth > 0 ? 2 + barWidth + 5 : 0) - 2;

        var lines = new List<IRenderable>();
        for (var i = 0; i < board.Steps.Count; i++)
        {
            var step = board.Steps[i];
            var colour = StepGlyphs.Colour(step.Status);
            var glyph = step.Status == StepStatus.Running ? glyphs.Spin(now) : glyphs.Of(step.Status);
            var id = Markup.Escape(Cut(step.Id, board.IdWidth).PadRight(board.IdWidth));
            var line = new System.Text.StringBuilder()
                .Append($"[{colour}]{Markup.Escape(glyph)}[/] ")
                .Append(step.ParentId is null ? id : $"[dim]{id}[/]")
                .Append($"  [{colour}]{Markup.Escape(statuses[i].PadRight(statusWidth))}[/]")
                .Append("  ").Append((step.Duration(now) is { } d ? DurationText.Format(d) : "").PadLeft(6));
            if (barWidth > 0) line.Append("  ").Append(Progress(step, barWidth));
            if (detailWidth >= 8 && Detail(step) is { Length: > 0 } detail)
            {
                var style = step.Error is not null && step.Status is not (StepStatus.Running or StepStatus.Succeeded) ? colour : "dim";
                line.Append($"  [{style}]{Markup.Escape(Cut(detail, detailWidth))}[/]");
            }

            lines.Add(new Markup(line.ToString()));
        }

        var elapsed = board.Run.StartedAt is { } started ? DurationText.Format(now - DateTimeOffset.FromUnixTimeMilliseconds(started)) : "";
        var caption = Detaching
            ? "[yellow]" + Markup.Escape(Cut("detaching; the run stays resumable (Ctrl+C again stops at once)", width)) + "[/]"
            : "[dim]" + Markup.Escape(Cut($"{board.Run.Pipeline}@{board.Run.Version}  {board.Status.Name()}  {elapsed}{(board.Status.IsTerminal() ? "" : "  (Ctrl+C detaches)")}", width)) + "[/]";
        lines.Add(new Markup(caption));
        return new Rows(lines);
    }

    private static string Status(StepView step) =>
        step.Status.Name()
        + (step.Status == StepStatus.Retrying ? $" (attempt {step.Attempts + 1})" : step.Attempts > 1 ? $" (attempt {step.Attempts})" : "")
        + (step.Cached ? " cached" : "");

    /// <summary>A bar and a percentage, always <paramref name="width"/> + 5 cells, blank when there is nothing to show.</summary>
    private string Progress(StepView step, int width)
    {
        if (step.Fraction is not { } fraction || step.Status is not (StepStatus.Running or StepStatus.Succeeded)) return new string(' ', width + 5);
        var (done, left) = glyphs.Bar(fraction, width);
        var percent = (Math.Clamp(fraction, 0, 1) * 100).ToString("0", CultureInfo.InvariantCulture).PadLeft(4) + "%";
        return $"[green]{done}[/][grey]{left}[/]{percent}";
    }

    /// <summary>The activity's message while running, its latest metrics, then its error or last log line.</summary>
    private static string Detail(StepView step)
    {
        var parts = new List<string>();
        if (step.Status == StepStatus.Running && step.Message is { Length: > 0 } message) parts.Add(message);
        if (step.Metrics.Count > 0) parts.Add(string.Join(" ", step.Metrics.Take(4).Select(m => $"{m.Key}={m.Value.ToString("G4", CultureInfo.InvariantCulture)}")));
        if (step.Error is { } error && step.Status is not (StepStatus.Running or StepStatus.Succeeded)) parts.Add(error);
        else if (step.LastLog is { } log) parts.Add(log);
        return string.Join("  ", parts).ReplaceLineEndings(" ");
    }

    private string Cut(string text, int max) =>
        text.Length <= max ? text : max <= 1 ? text[..Math.Max(max, 0)] : text[..(max - 1)] + (glyphs.IsUnicode ? "…" : "~");
}
