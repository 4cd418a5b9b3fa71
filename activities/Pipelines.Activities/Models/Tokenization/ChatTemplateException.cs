namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// A chat template that cannot be parsed or rendered, with the line and column (1-based) of the construct at fault
/// and, when known, the file it came from.
/// <see cref="Raised"/> marks the template's own <c>raise_exception(msg)</c>: the template refusing the messages, whose
/// <see cref="Reason"/> is the template's text.
/// </summary>
public sealed class ChatTemplateException(string reason, int line, int column, bool raised = false, string? origin = null)
    : Exception(raised ? reason : $"{(origin is null ? "" : origin + ", ")}line {line}, column {column}: {reason}")
{
    public string Reason { get; } = reason;

    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>Whether the template called <c>raise_exception</c> (it refuses the conversation), rather than failing.</summary>
    public bool Raised { get; } = raised;
}
