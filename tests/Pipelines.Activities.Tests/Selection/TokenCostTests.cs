using Pipelines.Activities.Selection;

namespace Pipelines.Activities.Tests.Selection;

public sealed class TokenCostTests
{
    [Theory]
    [InlineData(3.6, 100, 0.01)]      // 0.001 per second, 100 tokens per second: 0.00001 a token
    [InlineData(2.0, 50, 2.0 / 3600 / 50 * 1000)]
    [InlineData(0, 10, 0)]
    public void Cost_per_1k_tokens_is_the_price_of_a_second_over_the_tokens_a_second_makes_times_1000(double pricePerHour, double tokensPerSecond, double expected)
    {
        Assert.Equal(expected, TokenCost.PerThousandTokens(pricePerHour, tokensPerSecond), 12);
    }

    [Fact]
    public void A_model_that_generated_nothing_costs_infinitely_much()
    {
        Assert.Equal(double.PositiveInfinity, TokenCost.PerThousandTokens(1, 0));
    }
}
