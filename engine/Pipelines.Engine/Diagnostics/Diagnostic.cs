namespace Pipelines.Diagnostics;

/// <summary>A place in a source file; lines and columns are 1-based.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary><c>file:line:column</c>, the file name escaped like any text a diagnostic quotes (it may hold a line break).</summary>
    public override string ToString() => $"{DiagnosticText.OneLine(File)}:{Line}:{Column}";
}

public enum Severity
{
    Error,
    Warning,
}

/// <summary>
/// One problem found in user input: where it is, what is wrong, and what to do about it. The message and hint are
/// always one line of bounded length (<see cref="DiagnosticText.OneLine"/>), whatever text from the file they quote.
/// </summary>
public sealed record Diagnostic(string Code, Severity Severity, SourceLocation Location, string Message, string? Hint = null)
{
    public string Message { get; init; } = DiagnosticText.OneLine(Message);

    public string? Hint { get; init; } = Hint is null ? null : DiagnosticText.OneLine(Hint);

    public static Diagnostic Error(string code, SourceLocation location, string message, string? hint = null) =>
        new(code, Severity.Error, location, message, hint);

    /// <summary>The compiler-style line: <c>file:line:column: error CODE: message; hint</c>.</summary>
    public override string ToString()
    {
        var severity = Severity == Severity.Error ? "error" : "warning";
        return Hint is null
            ? $"{Location}: {severity} {Code}: {Message}"
            : $"{Location}: {severity} {Code}: {Message}; {Hint}";
    }
}
