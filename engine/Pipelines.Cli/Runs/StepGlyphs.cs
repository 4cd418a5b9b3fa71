using System.Text;
using Pipelines.Runtime;

namespace Pipelines.Cli.Runs;

/// <summary>How a step status looks: a glyph (Unicode where the output can carry it, ASCII otherwise) and a colour.</summary>
public sealed class StepGlyphs
{
    public static readonly StepGlyphs Unicode = new(true);
    public static readonly StepGlyphs Ascii = new(false);

    private static readonly string[] Spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

    private StepGlyphs(bool unicode) => IsUnicode = unicode;

    public bool IsUnicode { get; }

    /// <summary>Unicode for UTF encodings (terminals, pipes and files on Linux and macOS, in-memory writers); ASCII for legacy code pages.</summary>
    public static StepGlyphs For(TextWriter writer) =>
        writer.Encoding is UTF8Encoding or UnicodeEncoding or UTF32Encoding || writer.Encoding.CodePage is 65001 or 1200 or 1201 or 12000
            ? Unicode
            : Ascii;

    public string Of(StepStatus status) => (IsUnicode, status) switch
    {
        (true, StepStatus.Pending) => "·",
        (true, StepStatus.Ready) => "·",
        (true, StepStatus.Running) => "▸",
        (true, StepStatus.Waiting) => "⏸",
        (true, StepStatus.Retrying) => "↻",
        (true, StepStatus.Succeeded) => "✓",
        (true, StepStatus.Failed) => "✗",
        (true, StepStatus.Skipped) => "○",
        (true, StepStatus.Cancelled) => "⊘",
        (false, StepStatus.Running) => ">",
        (false, StepStatus.Waiting) => "=",
        (false, StepStatus.Retrying) => "~",
        (false, StepStatus.Succeeded) => "+",
        (false, StepStatus.Failed) => "x",
        (false, StepStatus.Skipped) => "o",
        (false, StepStatus.Cancelled) => "-",
        _ => ".",
    };

    /// <summary>A running step's glyph in a live display: a spinner frame that advances with time.</summary>
    public string Spin(DateTimeOffset now) => IsUnicode ? Spinner[(int)(now.ToUnixTimeMilliseconds() / 100 % Spinner.Length)] : @"|/-\"[(int)(now.ToUnixTimeMilliseconds() / 100 % 4)].ToString();

    /// <summary>The Spectre colour of a status.</summary>
    public static string Colour(StepStatus status) => status switch
    {
        StepStatus.Running => "blue",
        StepStatus.Waiting => "yellow",
        StepStatus.Retrying => "yellow",
        StepStatus.Succeeded => "green",
        StepStatus.Failed => "red",
        StepStatus.Cancelled => "red",
        _ => "grey",
    };

    /// <summary>A progress bar of <paramref name="width"/> cells for a fraction in [0, 1].</summary>
    public (string Done, string Left) Bar(double fraction, int width)
    {
        var done = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        return IsUnicode ? (new string('━', done), new string('─', width - done)) : (new string('#', done), new string('-', width - done));
    }
}
