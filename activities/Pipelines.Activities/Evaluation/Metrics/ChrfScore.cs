namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>A chrF (or chrF++) score.</summary>
/// <param name="Score">chrF, 0 to 100.</param>
/// <param name="CharOrder">The character n-gram order it used.</param>
/// <param name="WordOrder">The word n-gram order it used (2 for chrF++).</param>
/// <param name="Beta">The beta it used.</param>
public sealed record ChrfScore(double Score, int CharOrder, int WordOrder, int Beta)
{
    /// <summary>sacrebleu's name: chrF2, chrF2++ (one + per word order).</summary>
    public string Name => $"chrF{Beta}{new string('+', WordOrder)}";

    /// <summary>sacrebleu's line: <c>chrF2 = 59.73</c>.</summary>
    public override string ToString() => $"{Name} = {PythonFloatFormat.Fixed(Score, 2)}";
}
