using System.Globalization;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>Prints diagnostics as compiler-style lines (<c>file:line:col: error CODE: message; hint</c>), coloured on a terminal.</summary>
public static class DiagnosticPrinter
{
    /// <summary>Every listed diagnostic, one line each, then "... and N more problems" when the loader left some out.</summary>
    public static void Print(IAnsiConsole console, LoadResult loaded)
    {
        foreach (var d in loaded.Diagnostics)
        {
            var severity = d.Severity == Severity.Error ? "[red]error[/]" : "[yellow]warning[/]";
            var hint = d.Hint is null ? "" : $"; [dim]{Markup.Escape(d.Hint)}[/]";
            console.MarkupLine($"[bold]{Markup.Escape(d.Location.ToString())}[/]: {severity} {d.Code}: {Markup.Escape(d.Message)}{hint}");
        }

        if (loaded.Omitted > 0)
        {
            console.MarkupLine($"... and {Number(loaded.Omitted)} more {(loaded.Omitted == 1 ? "problem" : "problems")} (the first {loaded.Diagnostics.Count} found are listed)");
        }
    }

    /// <summary>"1 error", "5,000 errors": every problem of <paramref name="loaded"/>, listed or not.</summary>
    public static string Count(LoadResult loaded) => loaded.ProblemCount == 1 ? "1 error" : $"{Number(loaded.ProblemCount)} errors";

    /// <summary>A file name as the user gave it, on one line (a name may hold a line break).</summary>
    public static string File(string path) => DiagnosticText.OneLine(path);

    private static string Number(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
