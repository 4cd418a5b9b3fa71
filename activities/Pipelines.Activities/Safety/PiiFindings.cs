namespace Pipelines.Activities.Safety;

/// <summary>The personal data found in one text: how many of each kind (email, phone, …), and the text with each replaced by its placeholder.</summary>
public sealed record PiiFindings(IReadOnlyDictionary<string, int> Counts, string Redacted)
{
    public bool Any => Counts.Values.Any(c => c > 0);

    /// <summary>The kinds found, in the order of <see cref="PiiLeakScanner.Kinds"/>.</summary>
    public IReadOnlyList<string> Kinds => Counts.Where(p => p.Value > 0).Select(p => p.Key).ToList();
}
