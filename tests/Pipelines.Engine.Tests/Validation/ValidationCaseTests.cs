using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// One mistake per document: each must be reported with its exact code, line and column, and with words that tell
/// the author what to write instead. Bodies passed to <see cref="Single"/> start at line 6, after <see cref="TestPipelines.Header"/>.
/// Steps, activities, expressions and references are in ValidationCaseTests.Steps.cs.
/// </summary>
public sealed partial class ValidationCaseTests
{
    // ---- YAML --------------------------------------------------------------------------------------------------

    [Fact]
    public void Yaml_syntax_error_points_at_the_offending_colon()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                with:
                  message: a: b
            """);

        AssertAt(diagnostic, DiagnosticCodes.YamlSyntax, 9, 17);
        Assert.StartsWith("invalid YAML: ", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  a:\n    uses: core.echo@1\n    with:\n\t  message: hi\n", 9)]
    [InlineData("\ta:\n    uses: core.noop@1\n", 6)]
    [InlineData("  a:\n    uses: core.noop@1\n\tneeds: []\n", 8)]
    public void Tab_in_indentation_is_reported_on_the_tab_line(string body, int line)
    {
        var diagnostic = Single(body);

        AssertAt(diagnostic, DiagnosticCodes.TabIndentation, line, 1);
        Assert.Contains("spaces", diagnostic.Hint);
    }

    [Fact]
    public void Key_indented_less_than_its_siblings_is_a_syntax_error_on_its_line()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
               with:
                  message: hi
            """);

        AssertAt(diagnostic, DiagnosticCodes.YamlSyntax, 8, 4);
        Assert.Contains("indentation", diagnostic.Hint);
    }

    private const string QuoteRule = "inside { } or [ ] an expression must be quoted (YAML reads its '{' as a new mapping)";

    [Theory]
    [InlineData("    matrix: { lr: [1, 2] }\n    select: { minimize: ${{ item.val_loss }} }", 9, 26, "select: { minimize: \"${{ item.val_loss }}\" }")]
    [InlineData("    matrix: { x: [${{ params.n }}, b] }", 8, 20, "matrix: { x: [\"${{ params.n }}\", b] }")]
    [InlineData("    with: { x: ${{ params.n }} }", 8, 17, "with: { x: \"${{ params.n }}\" }")]
    [InlineData("    with: { message: hi ${{ params.who }}, to: ${{ run.id }} } # both", 8, 26,
        "with: { message: \"hi ${{ params.who }}\", to: \"${{ run.id }}\" }")]
    [InlineData("    with: { message: ${{ params.who + \"!\" }} }", 8, 23, "with: { message: '${{ params.who + \"!\" }}' }")]
    [InlineData("    with: { ${{ params.who }}: 1 }", 8, 14, "with: { \"${{ params.who }}\": 1 }")]
    [InlineData("    with: {\n      message: ${{ params.who }},\n    }", 9, 17, "message: \"${{ params.who }}\",")]
    [InlineData("    with: {\r\n      message: ${{ params.who }}\r\n    }", 9, 17, "message: \"${{ params.who }}\"")]
    public void Unquoted_expression_in_a_flow_collection_shows_the_quoted_form(string lines, int line, int column, string quoted)
    {
        var diagnostic = Single($"  a:\n    uses: core.echo@1\n{lines}\n");

        AssertAt(diagnostic, DiagnosticCodes.YamlSyntax, line, column);
        Assert.StartsWith("invalid YAML: ", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal($"{QuoteRule}: `{quoted}`", diagnostic.Hint);

        // The quoted form is what to write: in place of its line, the document is valid YAML.
        var document = (Header + $"  a:\n    uses: core.echo@1\n{lines}\n").ReplaceLineEndings("\n").Split('\n');
        var original = document[line - 1];
        document[line - 1] = original[..(original.Length - original.TrimStart().Length)] + quoted;
        var fixedResult = Load(string.Join('\n', document));
        Assert.DoesNotContain(fixedResult.Diagnostics, d => d.Code == DiagnosticCodes.YamlSyntax);
    }

    [Theory]
    [InlineData("    with: {\n      message: hello\n        ${{ params.who }} }", 10, 10)] // the value began a line above
    [InlineData("    with: { message: ${{ params.who }}, padding: '#################################################################################################################################################################################' }", 8, 23)]
    public void Unquoted_expression_whose_line_cannot_be_shown_quoted_gets_the_rule_and_an_example(string lines, int line, int column)
    {
        var diagnostic = Single($"  a:\n    uses: core.echo@1\n{lines}\n");

        AssertAt(diagnostic, DiagnosticCodes.YamlSyntax, line, column);
        Assert.Equal($"{QuoteRule}, e.g. `with: {{ n: \"${{{{ params.n }}}}\" }}`", diagnostic.Hint);
    }

    [Theory]
    [InlineData("    with: { message: \"${{ params.who }}\"\n  b:\n    uses: core.noop@1", "is not closed")] // quoted, but the '{' is never closed
    [InlineData("    with: { message: cost $ 5 {a} }", "is not closed")]
    public void Other_flow_errors_keep_their_own_hint(string lines, string hint)
    {
        var diagnostic = Single($"  a:\n    uses: core.echo@1\n{lines}\n");

        Assert.Equal(DiagnosticCodes.YamlSyntax, diagnostic.Code);
        Assert.Contains(hint, diagnostic.Hint);
        Assert.DoesNotContain("quoted", diagnostic.Hint);
    }

    [Fact]
    public void Every_duplicate_key_is_reported_with_the_line_of_the_first()
    {
        var result = Load("""
            apiVersion: pipelines/v1
            kind: Pipeline
            kind: Pipeline
            metadata:
              name: demo
            steps:
              a:
                uses: core.echo@1
                with:
                  message: hi
                  message: ho
            """);

        Assert.Null(result.Pipeline);
        Assert.Collection(result.Diagnostics,
            first =>
            {
                AssertAt(first, DiagnosticCodes.DuplicateKey, 3, 1);
                Assert.Contains("duplicate key 'kind' (first defined at line 2)", first.Message);
            },
            second =>
            {
                AssertAt(second, DiagnosticCodes.DuplicateKey, 11, 7);
                Assert.Contains("duplicate key 'message' (first defined at line 10)", second.Message);
            });
    }

    [Fact]
    public void A_duplicate_among_many_keys_is_reported_with_the_line_of_the_first()
    {
        // Large mappings are checked through a dictionary, small ones along their entries; both say the same.
        var steps = string.Concat(Enumerable.Range(0, 12).Select(i => $"  s{i}:\n    uses: core.noop@1\n"));
        var diagnostic = Single(steps + "  s3:\n    uses: core.noop@1\n");

        AssertAt(diagnostic, DiagnosticCodes.DuplicateKey, 6 + 24, 3);
        Assert.Contains("duplicate key 's3' (first defined at line 12)", diagnostic.Message);
    }

    [Fact]
    public void Several_documents_in_one_file_are_rejected_at_the_second()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\n---\napiVersion: pipelines/v1\n");

        AssertAt(diagnostic, DiagnosticCodes.MultipleDocuments, 8, 1);
        Assert.Contains("a file of its own", diagnostic.Hint);
    }

    // ---- Shape of the document ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("top level", "  a:\n    uses: core.noop@1\nstpes: {}\n", 8, 1, "'stpes' in the pipeline", "steps")]
    [InlineData("a step", "  a:\n    uses: core.noop@1\n    neds: [b]\n  b:\n    uses: core.noop@1\n", 8, 5, "'neds' in step 'a'", "needs")]
    [InlineData("retry", "  a:\n    uses: core.noop@1\n    retry: { max: 1, backof: 5s }\n", 8, 22, "'backof' in retry", "backoff")]
    [InlineData("a param", "  a:\n    uses: core.noop@1\nparams:\n  x: { type: string, defualt: hi }\n", 9, 22, "'defualt' in param 'x'", "default")]
    [InlineData("a trigger", "  a:\n    uses: core.noop@1\ntriggers:\n  - schedule: \"0 0 3 ? * SUN\"\n    timezon: UTC\n", 10, 5, "'timezon' in a trigger", "timezone")]
    [InlineData("defaults", "  a:\n    uses: core.noop@1\ndefaults:\n  timout: 5m\n", 9, 3, "'timout' in defaults", "timeout")]
    public void Unknown_key_suggests_the_nearest_known_one(string where, string body, int line, int column, string message, string suggestion)
    {
        var diagnostic = Single(body);

        AssertAt(diagnostic, DiagnosticCodes.UnknownKey, line, column);
        Assert.True(diagnostic.Message.Contains(message, StringComparison.Ordinal), $"{where}: {diagnostic}");
        Assert.Equal($"did you mean '{suggestion}'?", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_key_in_metadata_suggests_the_nearest_known_one()
    {
        var diagnostic = SingleIn("""
            apiVersion: pipelines/v1
            kind: Pipeline
            metadata:
              name: demo
              lables: { team: ml }
            steps:
              a:
                uses: core.noop@1
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownKey, 5, 3);
        Assert.Equal("did you mean 'labels'?", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_key_with_no_near_name_lists_the_allowed_keys()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\n    colour: blue\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownKey, 8, 5);
        Assert.StartsWith("allowed keys: uses, name, description, with, needs", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion")]
    [InlineData("kind")]
    [InlineData("metadata")]
    [InlineData("steps")]
    public void Missing_top_level_field_is_reported_at_the_start_of_the_document(string field)
    {
        var lines = (Header + "  a:\n    uses: core.noop@1\n").Split('\n').ToList();
        var at = lines.FindIndex(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        lines.RemoveRange(at, field switch { "metadata" => 2, "steps" => 3, _ => 1 });

        var diagnostic = SingleIn(string.Join('\n', lines));

        AssertAt(diagnostic, DiagnosticCodes.MissingField, 1, 1);
        Assert.Equal($"the pipeline is missing '{field}'", diagnostic.Message);
        Assert.Contains(field, diagnostic.Hint);
    }

    [Fact]
    public void Wrong_api_version_names_the_supported_one()
    {
        var diagnostic = SingleIn(Header.Replace("pipelines/v1", "pipelines/v2", StringComparison.Ordinal) + "  a:\n    uses: core.noop@1\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 1, 13);
        Assert.Contains("'pipelines/v2'", diagnostic.Message);
        Assert.Contains("pipelines/v1", diagnostic.Hint);
    }

    [Fact]
    public void Empty_steps_mapping_asks_for_a_step()
    {
        var diagnostic = SingleIn(Header.Replace("steps:\n", "steps: {}\n", StringComparison.Ordinal));

        AssertAt(diagnostic, DiagnosticCodes.MissingField, 5, 8);
        Assert.Equal("the pipeline has no steps", diagnostic.Message);
    }

    // ---- Names -------------------------------------------------------------------------------------------------

    [Fact]
    public void Invalid_pipeline_name_shows_the_rule()
    {
        var diagnostic = SingleIn(Header.Replace("name: demo", "name: Demo_Pipeline", StringComparison.Ordinal) + "  a:\n    uses: core.noop@1\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidName, 4, 9);
        Assert.Contains("'Demo_Pipeline'", diagnostic.Message);
        Assert.Contains("lower-case", diagnostic.Hint);
    }

    [Fact]
    public void Invalid_label_key_shows_the_rule()
    {
        var diagnostic = SingleIn(Header.Replace("name: demo\n", "name: demo\n  labels: { Team: ml }\n", StringComparison.Ordinal) + "  a:\n    uses: core.noop@1\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidName, 5, 13);
        Assert.Contains("invalid label key 'Team'", diagnostic.Message);
    }

    [Fact]
    public void Invalid_step_id_shows_an_example_of_a_valid_one()
    {
        var diagnostic = Single("  Train-Step:\n    uses: core.noop@1\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidName, 6, 3);
        Assert.Contains("invalid step id 'Train-Step'", diagnostic.Message);
        Assert.Contains("train_lora", diagnostic.Hint);
    }

    [Fact]
    public void Invalid_param_name_says_how_it_is_read()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\nparams:\n  1x: { type: string }\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidName, 9, 3);
        Assert.Contains("params.NAME", diagnostic.Hint);
    }

    // ---- Params and triggers -----------------------------------------------------------------------------------

    [Fact]
    public void Param_default_of_the_wrong_type_names_both_types()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\nparams:\n  y: { type: number, default: abc }\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidParam, 9, 31);
        Assert.Equal("the default of param 'y' must be a number, not a string", diagnostic.Message);
    }

    [Fact]
    public void Trigger_params_naming_an_unknown_param_suggest_the_declared_one()
    {
        var diagnostic = Single("""
              a:
                uses: core.noop@1
            params:
              rounds: { type: integer, default: 1 }
            triggers:
              - schedule: "0 0 3 ? * SUN"
                params: { round: 3 }
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownParam, 12, 15);
        Assert.Contains("unknown param 'round' in trigger", diagnostic.Message);
        Assert.Equal("did you mean 'rounds'?", diagnostic.Hint);
    }

    [Theory]
    [InlineData("*/5 * * * *", "5 fields")]
    [InlineData("0 0 25 ? * SUN", "hour")]
    [InlineData("0 0 3 ? * FUNDAY", "FUN")]
    [InlineData("0 61 3 ? * SUN", "minute")]
    public void Bad_cron_says_what_is_wrong_and_how_quartz_cron_reads(string cron, string reason)
    {
        var diagnostic = Single($"  a:\n    uses: core.noop@1\ntriggers:\n  - schedule: \"{cron}\"\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidCron, 9, 15);
        Assert.Contains($"'{cron}'", diagnostic.Message);
        Assert.Contains(reason, diagnostic.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("6 or 7 fields", diagnostic.Hint);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("4294967297")]
    [InlineData("99999999999")]
    public void Trigger_version_outside_one_to_int_max_is_rejected(string version)
    {
        var diagnostic = Single($"  a:\n    uses: core.noop@1\ntriggers:\n  - schedule: \"0 0 3 ? * SUN\"\n    version: {version}\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 10, 14);
        Assert.Contains("trigger version", diagnostic.Message);
    }

    [Fact]
    public void Unknown_time_zone_suggests_iana_names()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\ntriggers:\n  - schedule: \"0 0 3 ? * SUN\"\n    timezone: Mars/Olympus\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidTimeZone, 10, 15);
        Assert.Contains("'Mars/Olympus'", diagnostic.Message);
        Assert.Contains("IANA", diagnostic.Hint);
    }

    // ---- Durations and retries ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("    timeout: 10 minutes", 14, "timeout: '10 minutes' is not a duration")]
    [InlineData("    timeout: 0s", 14, "timeout must be longer than zero: an attempt given no time fails before it starts")]
    [InlineData("    timeout: 0ms", 14, "timeout must be longer than zero")]
    [InlineData("    timeout: 40d", 14, "timeout of 40d is longer than the limit of 30d")]
    [InlineData("    retry: { backoff: -5s }", 23, "retry backoff: '-5s' is negative; a duration is zero or longer")]
    [InlineData("    retry: { backoff: 0 }", 23, "retry backoff: '0' has no unit (did you mean 0s?)")]
    [InlineData("    retry: { backoff: 2d }", 23, "retry backoff of 2d is longer than the limit of 1d")]
    [InlineData("    timeout: \u0665m", 14, "timeout: '\u0665m' is not a duration")]
    public void Bad_duration_says_why(string line, int column, string message)
    {
        var diagnostic = Single($"  a:\n    uses: core.noop@1\n{line}\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidDuration, 8, column);
        Assert.Contains(message, diagnostic.Message);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("0ms")]
    [InlineData("0m0s")]
    public void Zero_retry_backoff_is_an_immediate_retry(string backoff)
    {
        var result = LoadWithHeader($"  a:\n    uses: core.noop@1\n    retry: {{ max: 2, backoff: {backoff} }}\n");

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
        Assert.Equal(new RetryPolicy(2, TimeSpan.Zero, 2), result.Pipeline!.Step("a")!.Retry);
    }

    [Fact]
    public void Zero_retry_backoff_in_defaults_applies_to_every_step()
    {
        var result = LoadWithHeader("  a:\n    uses: core.noop@1\ndefaults:\n  retry: { max: 1, backoff: 0s, factor: 1 }\n");

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
        Assert.Equal(new RetryPolicy(1, TimeSpan.Zero, 1), result.Pipeline!.Step("a")!.Retry);
    }

    [Fact]
    public void Zero_timeout_in_defaults_says_why_it_is_refused()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\ndefaults:\n  timeout: 0s\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidDuration, 9, 12);
        Assert.Equal("timeout must be longer than zero: an attempt given no time fails before it starts", diagnostic.Message);
        Assert.Contains("leave timeout out for no limit", diagnostic.Hint);
    }

    [Fact]
    public void Bad_duration_in_defaults_shows_the_duration_syntax()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\ndefaults:\n  timeout: 10 minutes\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidDuration, 9, 12);
        Assert.Equal(Duration.Help, diagnostic.Hint);
    }

    [Theory]
    [InlineData("max: -1", "retry max is negative (-1)", "use 0 for no retries")]
    [InlineData("max: 1000", "retry max of 1000 is absurd; the limit is 100", "needs fixing")]
    [InlineData("factor: 20", "retry factor 20 is out of range", "from 1")]
    [InlineData("factor: 0.5", "retry factor 0.5 is out of range", "from 1")]
    public void Bad_retry_policy_says_why(string field, string message, string hint)
    {
        var diagnostic = Single($"  a:\n    uses: core.noop@1\n    retry: {{ {field} }}\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidRetry, 8, 14 + field.IndexOf(' ', StringComparison.Ordinal) + 1);
        Assert.Equal(message, diagnostic.Message);
        Assert.Contains(hint, diagnostic.Hint);
    }

    // ---- All at once -------------------------------------------------------------------------------------------

    [Fact]
    public void File_with_many_mistakes_reports_every_one_in_file_order()
    {
        var result = Load("""
            apiVersion: pipelines/v2
            kind: Pipeline
            metadata:
              name: Bad_Name
              lables: {}
            params:
              n: { type: number, default: abc }
            triggers:
              - schedule: "0 3 * * *"
                timezone: Mars/Olympus
            defaults:
              timeout: 10 minutes
            steps:
              first:
                uses: core.ecko@1
              second:
                uses: core.sleep@1
                retry: { max: 1000 }
                with:
                  seconds: soon
              third:
                uses: core.echo@1
                needs: [frist]
                with:
                  message: ${{ params.m }} ${{ 1 +* 2 }}
                  mesage: hi
            """);

        (string Code, int Line, int Column)[] expected =
        [
            (DiagnosticCodes.InvalidValue, 1, 13),
            (DiagnosticCodes.InvalidName, 4, 9),
            (DiagnosticCodes.UnknownKey, 5, 3),
            (DiagnosticCodes.InvalidParam, 7, 31),
            (DiagnosticCodes.InvalidCron, 9, 15),
            (DiagnosticCodes.InvalidTimeZone, 10, 15),
            (DiagnosticCodes.InvalidDuration, 12, 12),
            (DiagnosticCodes.UnknownActivity, 15, 11),
            (DiagnosticCodes.InvalidRetry, 18, 19),
            (DiagnosticCodes.WrongInputType, 20, 16),
            (DiagnosticCodes.UnknownStep, 23, 13),
            (DiagnosticCodes.UnknownParam, 25, 27),
            (DiagnosticCodes.ExpressionSyntax, 25, 39),
            (DiagnosticCodes.UnknownInput, 26, 7),
        ];
        Assert.Null(result.Pipeline);
        Assert.Equal(14, result.Diagnostics.Count);
        Assert.Equal(expected, result.Diagnostics.Select(d => (d.Code, d.Location.Line, d.Location.Column)).ToArray());
    }

    // ---- Support -----------------------------------------------------------------------------------------------

    /// <summary>Loads <see cref="TestPipelines.Header"/> + <paramref name="body"/> and returns its only diagnostic.</summary>
    private static Diagnostic Single(string body) => SingleIn(Header + body);

    private static Diagnostic SingleIn(string document)
    {
        var result = Load(document);
        Assert.True(result.Diagnostics.Count == 1, $"expected one diagnostic, got {result.Diagnostics.Count}:\n{Describe(result.Diagnostics)}");
        Assert.Null(result.Pipeline);
        Assert.False(result.Succeeded);
        return result.Diagnostics[0];
    }

    private static void AssertAt(Diagnostic diagnostic, string code, int line, int column)
    {
        Assert.Equal($"{FileName}:{line}:{column}: {code}", $"{diagnostic.Location}: {diagnostic.Code}");
        Assert.Equal(Severity.Error, diagnostic.Severity);
        Assert.StartsWith($"{FileName}:{line}:{column}: error {code}: {diagnostic.Message}", diagnostic.ToString(), StringComparison.Ordinal);
    }
}
