using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Pipelines.Persistence;

/// <summary>A pipeline named on a command line or in an API call: <c>NAME</c> (the latest version) or <c>NAME@VERSION</c>.</summary>
public sealed record DefinitionReference(string Name, int? Version)
{
    private const int MaxNameLength = 63;

    /// <summary>Parses <c>email-subjects</c> or <c>email-subjects@3</c>; on failure <paramref name="error"/> says what to write instead.</summary>
    public static bool TryParse(
        string? text,
        [NotNullWhen(true)] out DefinitionReference? reference,
        [NotNullWhen(false)] out string? error)
    {
        reference = null;
        text ??= "";
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? text : text[..at];
        if (!IsValidName(name))
        {
            error = Failure(text, "names are 1 to 63 lowercase letters, digits and '-'");
            return false;
        }

        int? version = null;
        if (at >= 0)
        {
            // NumberStyles.None: no sign, spaces or separators, so "name@+3" and "name@ 3" are rejected.
            if (!int.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                error = Failure(text, "a version is a whole number from 1");
                return false;
            }
            version = number;
        }

        reference = new DefinitionReference(name, version);
        error = null;
        return true;
    }

    /// <summary>Pipeline names are <c>[a-z0-9-]{1,63}</c>, as in the <c>name:</c> field of a pipeline file.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaxNameLength
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    public override string ToString() => Version is { } version ? $"{Name}@{version}" : Name;

    private static string Failure(string text, string reason) =>
        $"'{text}' is not a pipeline reference ({reason}); write NAME or NAME@VERSION, e.g. email-subjects@3";
}
