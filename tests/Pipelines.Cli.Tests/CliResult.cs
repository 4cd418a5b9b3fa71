namespace Pipelines.Cli.Tests;

/// <summary>What one <c>pipelines</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string All => Out + Error;

    public string[] OutLines => Lines(Out);

    public string[] ErrorLines => Lines(Error);

    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n").TrimEnd('\n') is { Length: > 0 } trimmed ? trimmed.Split('\n') : [];

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}--- stderr ---\n{Error}";
}
