namespace Pipelines.Activities.Selection;

/// <summary>What generating tokens costs on a machine billed by the hour.</summary>
public static class TokenCost
{
    /// <summary>
    /// The cost of 1,000 new tokens: <paramref name="pricePerHour"/> / 3600 / <paramref name="tokensPerSecond"/> × 1000
    /// (the price of a second, over the tokens a second makes). Infinite when nothing was generated.
    /// </summary>
    public static double PerThousandTokens(double pricePerHour, double tokensPerSecond) =>
        tokensPerSecond > 0 ? pricePerHour / 3600 / tokensPerSecond * 1000 : double.PositiveInfinity;
}
