namespace Pipelines.Diagnostics;

/// <summary>A place in a source file; lines and columns are 1-based.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

public enum Severity
{
    Error,
    Warning,
}

/// <summary>One problem found in user input: where it is, what is wrong, and what to do about it.</summary>
public sealed record Diagnostic(string Code, Severity Severity, SourceLocation Location, string Message, string? Hint = null)
{
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
