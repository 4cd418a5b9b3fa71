using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Selection;

namespace Pipelines.Activities.Tests.Selection;

public sealed class RuleSelectionTests
{
    private static CandidateRow Row(string name, double rougeL, double tokensPerSecond, double? cost, long parameters = 1000) => new()
    {
        Model = "models/" + name, Name = name, Architecture = "llama", Parameters = parameters, SizeBytes = parameters * 4, ContextWindow = 512,
        License = "mit", LoadSeconds = 0.1, FirstTokenMs = 5, PerTokenMs = 1, TokensPerSecond = tokensPerSecond,
        Metrics = new Dictionary<string, double> { ["rougeL"] = rougeL }, CostPer1kTokens = cost,
    };

    private static readonly IReadOnlyList<CandidateRow> Rows =
    [
        Row("small", rougeL: 0.20, tokensPerSecond: 400, cost: 0.002),
        Row("medium", rougeL: 0.30, tokensPerSecond: 120, cost: 0.008),
        Row("large", rougeL: 0.35, tokensPerSecond: 40, cost: 0.025, parameters: 9000),
    ];

    [Fact]
    public void Maximize_picks_the_highest_value_of_the_metric()
    {
        var outcome = RuleSelection.Apply(new SelectionRule { Maximize = "rougeL" }, Rows);

        Assert.Equal(2, outcome.Selected);
        Assert.Equal([false, false, true], outcome.Rows.Select(r => r.Selected));
        Assert.StartsWith("large: highest rougeL (0.35) among 3 of 3 candidates", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Requirements_leave_out_the_candidates_that_miss_a_bound_and_say_which()
    {
        var rule = new SelectionRule { Maximize = "rougeL", Require = new Dictionary<string, double> { ["max_cost_per_1k_tokens"] = 0.01 } };
        var outcome = RuleSelection.Apply(rule, Rows);

        Assert.Equal(1, outcome.Selected);
        Assert.Equal([true, true, false], outcome.Rows.Select(r => r.MeetsRequirements));
        Assert.Equal(["cost_per_1k_tokens = 0.025, needs <= 0.01"], outcome.Rows[2].FailedRequirements);
        Assert.Equal("maximize rougeL where max_cost_per_1k_tokens 0.01", rule.ToString());
    }

    [Fact]
    public void Minimize_picks_the_lowest_value_and_a_tie_goes_to_the_first_listed()
    {
        Assert.Equal(0, RuleSelection.Apply(new SelectionRule { Minimize = "parameters" }, Rows).Selected);
        Assert.Equal(0, RuleSelection.Apply(new SelectionRule { Minimize = "context_window" }, Rows).Selected);
        Assert.Equal(0, RuleSelection.Apply(new SelectionRule { Minimize = "cost_per_1k_tokens", Require = new Dictionary<string, double> { ["min_rougeL"] = 0.1 } }, Rows).Selected);
    }

    [Fact]
    public void A_column_that_does_not_exist_is_an_error_with_a_suggestion()
    {
        var error = Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(new SelectionRule { Maximize = "rougel" }, Rows));
        Assert.StartsWith("rule.maximize: 'rougel' is not a column of the table (did you mean 'rougeL'?)", error.Message, StringComparison.Ordinal);

        var bound = Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(new SelectionRule { Maximize = "rougeL", Require = new Dictionary<string, double> { ["most_cost"] = 1 } }, Rows));
        Assert.StartsWith("rule.require.most_cost: a bound is min_<column> or max_<column>", bound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_needs_exactly_one_objective()
    {
        Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(new SelectionRule(), Rows));
        Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(new SelectionRule { Maximize = "rougeL", Minimize = "parameters" }, Rows));
    }

    [Fact]
    public void Ranking_on_cost_without_a_price_says_to_set_one()
    {
        var rows = Rows.Select(r => r with { CostPer1kTokens = null }).ToList();

        var error = Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(new SelectionRule { Minimize = "cost_per_1k_tokens" }, rows));
        Assert.Equal("rule.minimize: small has no cost_per_1k_tokens; set price_per_hour to measure it", error.Message);
    }

    [Fact]
    public void When_no_candidate_meets_the_bounds_the_error_lists_what_each_missed()
    {
        var rule = new SelectionRule { Maximize = "rougeL", Require = new Dictionary<string, double> { ["min_tokens_per_second"] = 1000 } };

        var error = Assert.Throws<ActivityFailedException>(() => RuleSelection.Apply(rule, Rows));
        Assert.Equal("no candidate meets the rule's requirements: small: tokens_per_second = 400, needs >= 1000; "
                     + "medium: tokens_per_second = 120, needs >= 1000; large: tokens_per_second = 40, needs >= 1000", error.Message);
    }

    [Fact]
    public void Without_a_rule_the_best_rougeL_is_picked_or_the_lowest_perplexity_or_the_fastest_without_a_dataset()
    {
        Assert.Equal("maximize rougeL", RuleSelection.Default(MetricSet.All).ToString());
        Assert.Equal("minimize perplexity", RuleSelection.Default(MetricSet.Parse(["perplexity", "length"])).ToString());
        Assert.Equal("maximize bleu", RuleSelection.Default(MetricSet.Parse(["bleu"])).ToString());
        Assert.Equal("maximize tokens_per_second", RuleSelection.Default(null).ToString());
    }
}
