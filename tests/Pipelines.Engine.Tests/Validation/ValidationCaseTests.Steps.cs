using Pipelines.Diagnostics;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>The validation cases of steps: activities and their inputs, expressions, references and cycles.</summary>
public sealed partial class ValidationCaseTests
{
    // ---- Steps and activities ----------------------------------------------------------------------------------

    [Fact]
    public void Unknown_activity_suggests_the_nearest_one()
    {
        var diagnostic = Single("  a:\n    uses: core.ecko@1\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownActivity, 7, 11);
        Assert.Equal("unknown activity 'core.ecko' in step 'a'", diagnostic.Message);
        Assert.Equal("did you mean 'core.echo'?", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_activity_version_lists_the_available_ones()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@2\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownActivityVersion, 7, 11);
        Assert.Equal("available: core.echo@1", diagnostic.Hint);
    }

    [Fact]
    public void Uses_without_a_version_shows_the_full_reference()
    {
        var diagnostic = Single("  a:\n    uses: core.echo\n");

        AssertAt(diagnostic, DiagnosticCodes.InvalidUses, 7, 11);
        Assert.Contains("has no major version", diagnostic.Message);
        Assert.Equal("write `core.echo@1`", diagnostic.Hint);
    }

    [Fact]
    public void Missing_required_input_without_with_is_reported_at_uses()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n");

        AssertAt(diagnostic, DiagnosticCodes.MissingInput, 7, 5);
        Assert.Equal("step 'a' is missing required input 'message' of core.echo@1", diagnostic.Message);
        Assert.StartsWith("add `message:` (string)", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_input_with_a_with_is_reported_at_with()
    {
        var diagnostic = Single("  a:\n    uses: core.sleep@1\n    with: {}\n");

        AssertAt(diagnostic, DiagnosticCodes.MissingInput, 8, 5);
        Assert.Contains("missing required input 'seconds' of core.sleep@1", diagnostic.Message);
    }

    [Fact]
    public void Unknown_input_suggests_the_nearest_input()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: hi\n      mesage: ho\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownInput, 10, 7);
        Assert.Equal("activity core.echo@1 has no input 'mesage'", diagnostic.Message);
        Assert.Equal("did you mean 'message'?", diagnostic.Hint);
    }

    [Fact]
    public void Input_to_an_activity_without_inputs_says_it_takes_none()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\n    with:\n      seconds: 1\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownInput, 9, 7);
        Assert.Equal("it takes no inputs", diagnostic.Hint);
    }

    [Theory]
    [InlineData("core.sleep@1", "seconds: soon", "must be a number, but 'soon' is a string")]
    [InlineData("core.echo@1", "message: [a, b]", "must be a string, but a list")]
    [InlineData("core.echo@1", "message: { text: hi }", "must be a string, but a mapping")]
    [InlineData("core.sleep@1", "seconds: ${{ 1 }}0", "must be a number, but text with ${{ }} inside is a string")]
    [InlineData("core.sleep@1", "seconds: ${{ params.x }}", "must be a number, but params.x is a string")]
    public void Input_of_the_wrong_type_names_both_types(string uses, string input, string message)
    {
        var diagnostic = Single($"  a:\n    uses: {uses}\n    with:\n      {input}\nparams:\n  x: {{ type: string, default: '1' }}\n");

        AssertAt(diagnostic, DiagnosticCodes.WrongInputType, 9, input.IndexOf(':', StringComparison.Ordinal) + 9);
        Assert.Contains(message, diagnostic.Message);
    }

    [Fact]
    public void Interpolated_text_for_a_number_suggests_a_whole_value_expression()
    {
        var diagnostic = Single("  a:\n    uses: core.sleep@1\n    with:\n      seconds: ${{ 1 }}0\n");

        Assert.Contains("make it the whole value", diagnostic.Hint);
    }

    [Theory]
    [InlineData("90000", "is 90000, outside [0, 86400]")]
    [InlineData("86400.5", "is 86400.5, outside [0, 86400]")]
    [InlineData("-1", "is -1, outside [0, 86400]")]
    public void Number_out_of_range_shows_the_range(string seconds, string message)
    {
        var diagnostic = Single($"  a:\n    uses: core.sleep@1\n    with:\n      seconds: {seconds}\n");

        AssertAt(diagnostic, DiagnosticCodes.InputOutOfRange, 9, 16);
        Assert.Contains(message, diagnostic.Message);
        Assert.Equal("use a value from 0 to 86400", diagnostic.Hint);
    }

    [Fact]
    public void Select_without_a_matrix_says_to_add_one()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                select: { minimize: "${{ item.message.length }}" }
                with:
                  message: hi
            """);

        AssertAt(diagnostic, DiagnosticCodes.InvalidMatrix, 8, 13);
        Assert.Equal("step 'a' has `select` but no `matrix`", diagnostic.Message);
        Assert.Contains("add a `matrix:`", diagnostic.Hint);
    }

    [Fact]
    public void Select_with_two_goals_shows_an_example_that_is_valid_yaml()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                matrix: { n: [1, 2] }
                select: { minimize: "${{ item.message.length }}", maximize: "${{ item.message.length }}" }
                with:
                  message: hi
            """);

        AssertAt(diagnostic, DiagnosticCodes.InvalidValue, 9, 13);
        Assert.Equal("the select of step 'a' needs exactly one of minimize or maximize", diagnostic.Message);
        // The example is quoted: unquoted inside { }, an expression is a YAML syntax error.
        Assert.Equal("e.g. `select: { minimize: \"${{ item.metrics.val_loss }}\" }`", diagnostic.Hint);
    }

    // ---- Expressions and references ----------------------------------------------------------------------------

    [Fact]
    public void Expression_syntax_error_points_inside_the_expression()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: ${{ 1 +* 2 }}\n");

        // `${{` opens at column 16 and the expression at 20; the bad token '*' is at 23.
        AssertAt(diagnostic, DiagnosticCodes.ExpressionSyntax, 9, 23);
        Assert.Contains("'1 +* 2'", diagnostic.Message);
        Assert.Contains("unexpected token '*'", diagnostic.Message);
    }

    [Fact]
    public void Unclosed_expression_points_at_its_opening()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: hello ${{ params.who\n");

        AssertAt(diagnostic, DiagnosticCodes.ExpressionSyntax, 9, 22);
        Assert.Contains("unclosed expression", diagnostic.Message);
        Assert.Contains("}}", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_step_in_an_expression_suggests_the_nearest_step()
    {
        var diagnostic = Single("""
              train:
                uses: core.echo@1
                with:
                  message: hi
              report:
                uses: core.echo@1
                with:
                  message: ${{ steps.trian.outputs.message }}
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownStep, 13, 26);
        Assert.Equal("unknown step 'trian'", diagnostic.Message);
        Assert.Equal("did you mean 'train'?", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_step_in_needs_suggests_the_nearest_step()
    {
        var diagnostic = Single("  train:\n    uses: core.noop@1\n  report:\n    uses: core.noop@1\n    needs: [trian]\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownStep, 10, 13);
        Assert.Equal("step 'report' needs unknown step 'trian'", diagnostic.Message);
        Assert.Equal("did you mean 'train'?", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_param_suggests_the_nearest_param()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: ${{ params.whom }}\nparams:\n  who: { type: string }\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownParam, 9, 27);
        Assert.Equal("unknown param 'whom'", diagnostic.Message);
        Assert.Equal("did you mean 'who'?", diagnostic.Hint);
    }

    [Theory]
    [InlineData("plain", "hi ${{ params.whom }}", 9, 30)]
    [InlineData("double-quoted", "\"hi ${{ params.whom }}\"", 9, 31)]
    [InlineData("single-quoted", "'hi ${{ params.whom }}'", 9, 31)]
    [InlineData("double-quoted after an escape", "\"\\thi ${{ params.whom }}\"", 9, 33)]
    [InlineData("single-quoted after a doubled quote", "'it''s ${{ params.whom }}'", 9, 34)]
    [InlineData("literal block, second line", "|\n        line one\n        owner=${{ params.whom }}", 11, 26)]
    [InlineData("folded block, second line", ">-\n        best=${{ params.who }}\n        owner=${{ params.whom }}", 11, 26)]
    [InlineData("plain, second line", "first ${{ params.who }}\n        owner=${{ params.whom }}", 10, 26)]
    [InlineData("double-quoted, second line", "\"first\n        owner=${{ params.whom }}\"", 10, 26)]
    public void Reference_is_located_exactly_in_every_scalar_style(string style, string value, int line, int column)
    {
        var diagnostic = Single($"  a:\n    uses: core.echo@1\n    with:\n      message: {value}\nparams:\n  who: {{ type: string }}\n");

        Assert.True(diagnostic.Code == DiagnosticCodes.UnknownParam, $"{style}: {diagnostic}");
        Assert.Equal($"{style} at {line}:{column}", $"{style} at {diagnostic.Location.Line}:{diagnostic.Location.Column}");
    }

    [Fact]
    public void Unknown_matrix_key_suggests_the_nearest_key()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    matrix: { size: [1, 2] }\n    with:\n      message: ${{ matrix.sise }}\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownMatrixKey, 10, 27);
        Assert.Equal("did you mean 'size'?", diagnostic.Hint);
    }

    [Fact]
    public void Matrix_in_a_step_without_a_matrix_is_not_available()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: ${{ matrix.size }}\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownName, 9, 20);
        Assert.Equal("'matrix' is not available here", diagnostic.Message);
        Assert.Equal("step 'a' has no `matrix:`", diagnostic.Hint);
    }

    [Fact]
    public void Item_outside_select_is_not_available()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: ${{ item.message }}\n");

        AssertAt(diagnostic, DiagnosticCodes.UnknownName, 9, 20);
        Assert.Equal("'item' is not available here", diagnostic.Message);
        Assert.Contains("only in `select`", diagnostic.Hint);
    }

    [Fact]
    public void Unknown_output_suggests_the_nearest_output()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                with:
                  message: hi
              b:
                uses: core.echo@1
                with:
                  message: ${{ steps.a.outputs.mesage }}
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownOutput, 13, 36);
        Assert.Equal("step 'a' (core.echo@1) has no output 'mesage'", diagnostic.Message);
        Assert.Equal("did you mean 'message'?", diagnostic.Hint);
    }

    [Fact]
    public void Matrix_step_outputs_are_only_all_and_best()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                matrix: { n: [1, 2] }
                with:
                  message: hi
              b:
                uses: core.echo@1
                with:
                  message: ${{ steps.a.outputs.message }} ${{ steps.a.outputs.best.message }} ${{ steps.a.outputs.all.length }}
            """);

        AssertAt(diagnostic, DiagnosticCodes.UnknownOutput, 14, 36);
        Assert.Contains("so its outputs are 'all' and 'best', not 'message'", diagnostic.Message);
        Assert.Contains("outputs.best.NAME", diagnostic.Hint);
    }

    [Fact]
    public void Cycle_through_expressions_and_needs_prints_its_path()
    {
        var diagnostic = Single("""
              a:
                uses: core.echo@1
                with:
                  message: ${{ steps.b.outputs.message }}
              b:
                uses: core.echo@1
                needs: [c]
                with:
                  message: hi
              c:
                uses: core.echo@1
                with:
                  message: ${{ steps.a.outputs.message }}
            """);

        AssertAt(diagnostic, DiagnosticCodes.Cycle, 18, 20);
        string[] rotations = ["a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c"];
        Assert.Contains(rotations, r => diagnostic.Message == $"steps form a cycle: {r}");
    }

    [Fact]
    public void Step_reading_its_own_outputs_depends_on_itself()
    {
        var diagnostic = Single("  a:\n    uses: core.echo@1\n    with:\n      message: ${{ steps.a.outputs.message }}\n");

        AssertAt(diagnostic, DiagnosticCodes.Cycle, 9, 20);
        Assert.Equal("step 'a' depends on itself", diagnostic.Message);
    }

    [Fact]
    public void Step_needing_itself_depends_on_itself()
    {
        var diagnostic = Single("  a:\n    uses: core.noop@1\n    needs: a\n");

        AssertAt(diagnostic, DiagnosticCodes.Cycle, 8, 12);
        Assert.Equal("step 'a' depends on itself", diagnostic.Message);
    }
}
