namespace Pipelines.Activities.Models;

/// <summary>
/// A model folder, checkpoint or tokenizer file that cannot be used as it is: the message names the file (and the
/// key) and says what is wrong; <see cref="Hint"/> says what to do. Commands print both on one line.
/// </summary>
public sealed class ModelFormatException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
