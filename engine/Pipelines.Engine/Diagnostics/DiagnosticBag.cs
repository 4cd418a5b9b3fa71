namespace Pipelines.Diagnostics;

/// <summary>Collects diagnostics so that validation can report every problem at once.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.Severity == Severity.Error);

    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);

    public void Error(string code, SourceLocation location, string message, string? hint = null) =>
        _items.Add(Diagnostic.Error(code, location, message, hint));

    /// <summary>Diagnostics in file order, each reported once.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        _items.Distinct()
              .OrderBy(d => d.Location.File, StringComparer.Ordinal)
              .ThenBy(d => d.Location.Line)
              .ThenBy(d => d.Location.Column)
              .ThenBy(d => d.Code, StringComparer.Ordinal)
              .ToList();
}
