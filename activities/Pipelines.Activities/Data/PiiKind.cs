namespace Pipelines.Activities.Data;

/// <summary>The kinds of personal data the redactor finds, in the order it replaces them.</summary>
internal enum PiiKind
{
    Url,
    Email,
    CreditCard,
    Ip,
    Phone,
}

internal static class PiiKinds
{
    public static readonly IReadOnlyList<PiiKind> All = Enum.GetValues<PiiKind>();

    /// <summary>The name in pipeline files and stats: <c>email</c>, <c>credit_card</c>.</summary>
    public static string Name(this PiiKind kind) => kind switch
    {
        PiiKind.Url => "url",
        PiiKind.Email => "email",
        PiiKind.CreditCard => "credit_card",
        PiiKind.Ip => "ip",
        _ => "phone",
    };

    /// <summary>What replaces a match: <c>[EMAIL]</c>, <c>[CREDIT_CARD]</c>.</summary>
    public static string Placeholder(this PiiKind kind) => "[" + kind.Name().ToUpperInvariant() + "]";

    public static bool TryParse(string name, out PiiKind kind)
    {
        foreach (var candidate in All)
        {
            if (candidate.Name() == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
