using System.Text;
using Pipelines.Cli.Runs;
using Pipelines.Runtime;

namespace Pipelines.Cli.Tests;

/// <summary>The plain lines a run prints when its output is not a terminal, and the durations in them.</summary>
public sealed class RunDisplayLineTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 31, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Status_lines_show_glyph_id_status_attempt_cache_duration_and_error()
    {
        Assert.Equal("  ✓ greet  succeeded  0.01s", Line("greet", StepStatus.Succeeded, attempts: 1, ran: TimeSpan.FromMilliseconds(12)));
        Assert.Equal("  ✓ greet  succeeded (cached)  0.00s", Line("greet", StepStatus.Succeeded, attempts: 1, ran: TimeSpan.Zero, cached: true));
        Assert.Equal("  ↻ boom  retrying (attempt 2): it broke", Line("boom", StepStatus.Retrying, attempts: 1, error: "it broke"));
        Assert.Equal("  ✗ boom  failed (attempt 3)  1.50s: it broke", Line("boom", StepStatus.Failed, attempts: 3, ran: TimeSpan.FromSeconds(1.5), error: "it broke"));
        Assert.Equal("  ○ notify  skipped: when was false", Line("notify", StepStatus.Skipped, attempts: 0, error: "when was false"));
        Assert.Equal("  ⊘ nap  cancelled  2.00s", Line("nap", StepStatus.Cancelled, attempts: 1, ran: TimeSpan.FromSeconds(2), error: "cancelled"));
        Assert.Equal("  ▸ nap  running (attempt 2)", Line("nap", StepStatus.Running, attempts: 2));
    }

    [Fact]
    public void Ids_are_padded_so_statuses_line_up()
    {
        var step = new StepView("a", null) { Status = StepStatus.Running, Attempts = 1 };

        Assert.Equal("  ▸ a       running", PlainRunPrinter.Line(step, StepGlyphs.Unicode, idWidth: 6, Start));
    }

    [Fact]
    public void Outputs_that_cannot_carry_unicode_get_ascii_glyphs()
    {
        using var latin1 = new StreamWriter(new MemoryStream(), Encoding.Latin1);
        using var utf8 = new StreamWriter(new MemoryStream(), new UTF8Encoding(false));

        Assert.Same(StepGlyphs.Ascii, StepGlyphs.For(latin1));
        Assert.Same(StepGlyphs.Unicode, StepGlyphs.For(utf8));
        Assert.Same(StepGlyphs.Unicode, StepGlyphs.For(new StringWriter()));
        var step = new StepView("boom", null) { Status = StepStatus.Failed, Attempts = 1, Error = "it broke" };
        Assert.Equal("  x boom  failed: it broke", PlainRunPrinter.Line(step, StepGlyphs.Ascii, idWidth: 4, Start));
    }

    [Theory]
    [InlineData(0, "0.00s")]
    [InlineData(12, "0.01s")]
    [InlineData(9_999, "9.99s")]
    [InlineData(12_345, "12.3s")]
    [InlineData(125_000, "2m05s")]
    [InlineData(3_720_000, "1h02m")]
    [InlineData(273_600_000, "3d04h")]
    [InlineData(-5, "0.00s")]
    public void Durations_are_short(long milliseconds, string expected)
    {
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    private static string Line(string id, StepStatus status, int attempts, TimeSpan? ran = null, bool cached = false, string? error = null)
    {
        var step = new StepView(id, null)
        {
            Status = status,
            Attempts = attempts,
            Cached = cached,
            Error = error,
            Started = ran is null ? null : Start,
            Finished = ran is { } d && status.IsTerminal() ? Start + d : null,
        };
        return PlainRunPrinter.Line(step, StepGlyphs.Unicode, idWidth: id.Length, Start);
    }
}
