using Pipelines.Activities.Data;

namespace Pipelines.Activities.Safety;

/// <summary>
/// Finds personal data in model outputs with data curation's detectors (<see cref="PiiRedactor"/>: URLs, e-mail
/// addresses, Luhn-valid card numbers, IPv4/IPv6 addresses, phone numbers), so what curation removes from training
/// data and what this counts in outputs are the same thing.
/// </summary>
public static class PiiLeakScanner
{
    private static readonly PiiRedactor Redactor = new(PiiKinds.All.ToArray());

    /// <summary>The kinds' names as pipelines write them: url, email, credit_card, ip, phone.</summary>
    public static IReadOnlyList<string> Kinds { get; } = PiiKinds.All.Select(k => k.Name()).ToList();

    public static PiiFindings Scan(string text)
    {
        Span<int> counts = stackalloc int[PiiKinds.All.Count];
        var redacted = Redactor.Redact(text, counts);
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var kind in PiiKinds.All) byName[kind.Name()] = counts[(int)kind];
        return new PiiFindings(byName, redacted);
    }
}
