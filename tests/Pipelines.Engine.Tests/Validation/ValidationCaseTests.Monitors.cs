using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>The <c>monitor</c> trigger: what a valid one means, and each mistake located with the fix.</summary>
public sealed partial class ValidationCaseTests
{
    private const string Steps = "  a:\n    uses: core.noop@1\n";

    [Fact]
    public void A_monitor_trigger_reads_its_model_condition_defaults_and_param_expressions()
    {
        var result = LoadWithHeader(Steps + """
            params:
              reason: { type: string, default: manual }
              psi: { type: number, default: 0 }
              base: { type: string, default: base }
            triggers:
              - monitor:
                  model: email-subjects@production
                  when: "${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}"
                params:
                  reason: "drift ${{ drift.status }} over ${{ window.requests }} requests"
                  psi: ${{ drift.prompt_length.psi }}
                  base: seed
            """);

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
        var trigger = Assert.Single(result.Pipeline!.Triggers);
        Assert.Null(trigger.Schedule);
        var monitor = trigger.Monitor!;
        Assert.Equal("email-subjects@production", monitor.Model);
        Assert.Equal("${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}", monitor.When.Text);
        Assert.Equal((MonitorDefinition.DefaultWindow, MonitorDefinition.DefaultEvery, MonitorDefinition.DefaultCooldown, MonitorDefinition.DefaultMinRequests),
            (monitor.Window, monitor.Every, monitor.Cooldown, monitor.MinRequests));
        Assert.Equal(["reason", "psi"], monitor.ParamExpressions.Select(p => p.Key));
        Assert.Equal("""{"base":"seed"}""", trigger.Params.ToJsonString());
    }

    [Fact]
    public void A_monitor_trigger_takes_its_window_every_cooldown_and_min_requests()
    {
        var result = LoadWithHeader(Steps + """
            triggers:
              - monitor: { model: m/3, when: "${{ quality.empty_rate >= 0.5 }}", window: 30m, every: 1m, cooldown: 2h, min_requests: 20 }
            """);

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
        var monitor = result.Pipeline!.Triggers[0].Monitor!;
        Assert.Equal((TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1), TimeSpan.FromHours(2), 20), (monitor.Window, monitor.Every, monitor.Cooldown, monitor.MinRequests));
    }

    [Fact]
    public void A_misspelled_fact_is_located_in_the_condition_with_the_name_it_meant()
    {
        var diagnostic = Single(Steps + """
            triggers:
              - monitor:
                  model: email-subjects@production
                  when: "${{ drift.prompt_lenght.psi > 0.2 }}"
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownName, 11, 24);
        Assert.Equal("drift has no field 'prompt_lenght'", diagnostic.Message);
        Assert.Equal("did you mean 'prompt_length'?", diagnostic.Hint);
    }

    [Fact]
    public void A_statistic_the_feature_does_not_have_lists_the_ones_it_has()
    {
        var diagnostic = Single(Steps + """
            triggers:
              - monitor: { model: email-subjects@production, when: "${{ drift.token_distribution.psi > 0.2 }}" }
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownName, 9, 86);
        Assert.Equal("drift.token_distribution has no field 'psi'", diagnostic.Message);
        Assert.Equal("drift.token_distribution has js, status", diagnostic.Hint);
    }

    [Fact]
    public void A_monitor_cannot_read_params_or_steps_and_says_what_it_reads()
    {
        var diagnostic = Single(Steps + """
            params:
              limit: { type: number, default: 0.2 }
            triggers:
              - monitor: { model: email-subjects@production, when: "${{ drift.prompt_length.psi > params.limit }}" }
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownName, 11, 87);
        Assert.Equal("a monitor reads the window's facts, not 'params'", diagnostic.Message);
        Assert.Contains("drift, quality, window", diagnostic.Hint);
    }

    [Fact]
    public void Members_of_a_value_are_javascript_and_allowed()
    {
        var result = LoadWithHeader(Steps + """
            triggers:
              - monitor: { model: email-subjects@production, when: "${{ drift.status.startsWith('dr') && quality.toxicity_rate.toFixed(2) > '0.01' }}" }
            """);

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
    }

    [Theory]
    [InlineData("when: drift.status == 'drift'", "monitor when must be one expression")]
    [InlineData("when: \"psi ${{ drift.prompt_length.psi }}\"", "monitor when must be one expression")]
    public void The_condition_must_be_one_expression(string when, string message)
    {
        var diagnostic = Single(Steps + $"triggers:\n  - monitor:\n      model: a@b\n      {when}\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 11, 13);
        Assert.StartsWith(message, diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("${{", diagnostic.Hint);
    }

    [Theory]
    [InlineData("model: Email Subjects", "monitor model 'Email Subjects' is not a registry reference")]
    [InlineData("model: email-subjects", "monitor model 'email-subjects' is not a registry reference")]
    public void The_model_must_be_a_registry_reference(string model, string message)
    {
        var diagnostic = Single(Steps + $"triggers:\n  - monitor:\n      {model}\n      when: \"${{{{ drift.status == 'drift' }}}}\"\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 10, 14);
        Assert.Equal(message, diagnostic.Message);
        Assert.Contains("NAME@ALIAS", diagnostic.Hint);
    }

    [Theory]
    [InlineData("window: 0s", "monitor window must be longer than zero")]
    [InlineData("every: 0s", "monitor every must be longer than zero")]
    [InlineData("window: 31d", "monitor window of 31d is longer than the limit of 30d")]
    [InlineData("cooldown: soon", "monitor cooldown: 'soon' is not a duration")]
    public void Durations_are_checked(string setting, string message)
    {
        var diagnostic = Single(Steps + $"triggers:\n  - monitor:\n      model: a@b\n      when: \"${{{{ drift.status == 'drift' }}}}\"\n      {setting}\n");

        Assert.Equal(DiagnosticCodes.InvalidDuration, diagnostic.Code);
        Assert.Equal(12, diagnostic.Location.Line);
        Assert.Equal(message, diagnostic.Message);
    }

    [Fact]
    public void A_trigger_is_a_schedule_or_a_monitor()
    {
        var neither = Single(Steps + "triggers:\n  - params: {}\n");
        AssertAt(neither, DiagnosticCodes.MissingField, 9, 5);
        Assert.Contains("neither `schedule:` nor `monitor:`", neither.Message);

        var both = Single(Steps + "triggers:\n  - schedule: \"0 0 3 ? * SUN\"\n    monitor: { model: a@b, when: \"${{ drift.status == 'drift' }}\" }\n");
        AssertAt(both, DiagnosticCodes.InvalidValue, 9, 15);
        Assert.Equal("a trigger is a schedule or a monitor, not both", both.Message);
    }

    [Fact]
    public void A_misspelled_monitor_key_suggests_the_right_one()
    {
        var diagnostic = Single(Steps + "triggers:\n  - monitor:\n      model: a@b\n      when: \"${{ drift.status == 'drift' }}\"\n      cooldwn: 1d\n");

        Assert.Equal(12, diagnostic.Location.Line);
        Assert.Equal("did you mean 'cooldown'?", diagnostic.Hint);
    }

    [Fact]
    public void A_monitor_without_a_condition_says_what_to_write()
    {
        var diagnostic = Single(Steps + "triggers:\n  - monitor:\n      model: a@b\n");

        Assert.Equal(DiagnosticCodes.MissingField, diagnostic.Code);
        Assert.Contains("when:", diagnostic.Hint);
    }

    [Fact]
    public void Timezone_belongs_to_schedules()
    {
        var diagnostic = Single(Steps + "triggers:\n  - monitor: { model: a@b, when: \"${{ drift.status == 'drift' }}\" }\n    timezone: UTC\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 10, 15);
        Assert.Equal("timezone applies to schedules only", diagnostic.Message);
    }
}
