namespace Pipelines.Diagnostics;

/// <summary>
/// Collects diagnostics so that validation can report every problem at once, up to <see cref="Limit"/> of them: the
/// first <see cref="Limit"/> distinct problems found are kept, and any further one is only counted. A hint passed as a
/// function is computed only for a kept problem, so a hostile file with thousands of misspelt names costs a counter
/// for most of them instead of a "did you mean" search each, and the report stays the size of the limit, not the file.
/// </summary>
public sealed class DiagnosticBag(int limit = DiagnosticBag.DefaultLimit)
{
    /// <summary>Enough to fix a file in one go; more is a file that is not a pipeline, or generated wrongly.</summary>
    public const int DefaultLimit = 100;

    private readonly List<Diagnostic> _kept = [];

    // Every distinct problem, kept or not, without its hint: a problem found twice (through an alias, say) counts once.
    private readonly HashSet<Diagnostic> _seen = [];

    public int Limit => limit;

    public bool HasErrors { get; private set; }

    /// <summary>Distinct problems found beyond the limit, which <see cref="Sorted"/> leaves out.</summary>
    public int Omitted => _seen.Count - _kept.Count;

    public void Add(Diagnostic diagnostic) => Add(diagnostic with { Hint = null }, diagnostic.Hint, null);

    public void Error(string code, SourceLocation location, string message, string? hint = null) =>
        Add(Diagnostic.Error(code, location, message), hint, null);

    /// <summary>An error whose hint costs work (a search among names): <paramref name="hint"/> runs only if it is kept.</summary>
    public void Error(string code, SourceLocation location, string message, Func<string?> hint) =>
        Add(Diagnostic.Error(code, location, message), null, hint);

    /// <summary>The kept diagnostics in file order.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        _kept.OrderBy(d => d.Location.File, StringComparer.Ordinal)
             .ThenBy(d => d.Location.Line)
             .ThenBy(d => d.Location.Column)
             .ThenBy(d => d.Code, StringComparer.Ordinal)
             .ToList();

    private void Add(Diagnostic withoutHint, string? hint, Func<string?>? computeHint)
    {
        HasErrors |= withoutHint.Severity == Severity.Error;
        if (!_seen.Add(withoutHint) || _kept.Count >= limit) return;
        hint ??= computeHint?.Invoke();
        _kept.Add(hint is null ? withoutHint : withoutHint with { Hint = hint });
    }
}
