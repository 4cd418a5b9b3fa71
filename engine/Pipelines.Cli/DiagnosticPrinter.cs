using Pipelines.Diagnostics;
using Spectre.Console;

namespace Pipelines.Cli;

/// <summary>Prints diagnostics as compiler-style lines (<c>file:line:col: error CODE: message; hint</c>), coloured on a terminal.</summary>
public static class DiagnosticPrinter
{
    public static void Print(IAnsiConsole console, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            var severity = d.Severity == Severity.Error ? "[red]error[/]" : "[yellow]warning[/]";
            var hint = d.Hint is null ? "" : $"; [dim]{Markup.Escape(d.Hint)}[/]";
            console.MarkupLine($"[bold]{Markup.Escape(d.Location.ToString())}[/]: {severity} {d.Code}: {Markup.Escape(d.Message)}{hint}");
        }
    }

    public static string Count(int errors) => errors == 1 ? "1 error" : $"{errors} errors";
}
