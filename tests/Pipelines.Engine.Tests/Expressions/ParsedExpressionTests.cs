using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

public sealed class ParsedExpressionTests
{
    private static ParsedExpression Parse(string source)
    {
        var parsed = ParsedExpression.Parse(source);
        Assert.Null(parsed.Error);
        return parsed;
    }

    private static IEnumerable<string> Names(ParsedExpression parsed) => parsed.References.Select(r => r.ToString());

    [Fact]
    public void A_step_output_path_gives_its_root_and_segments_with_offsets()
    {
        var source = "steps.train.outputs.adapter";

        var reference = Assert.Single(Parse(source).References);

        Assert.Equal(new PathSegment("steps", 0), reference.Root);
        Assert.Equal("steps", reference.RootName);
        Assert.Equal([new("train", 6), new("outputs", 12), new("adapter", 20)], reference.Path);
        Assert.All(reference.Path, s => Assert.Equal(s.Name, source.Substring(s.Offset, s.Name.Length)));
    }

    [Fact]
    public void Offsets_count_from_the_start_of_the_expression_source()
    {
        var source = "params.min_rougeL <= steps.evaluate.outputs.metrics.rougeL";

        var references = Parse(source).References;

        Assert.Equal(["params.min_rougeL", "steps.evaluate.outputs.metrics.rougeL"], references.Select(r => r.ToString()));
        Assert.Equal(21, references[1].Root.Offset);
        Assert.All(references.SelectMany(r => r.Path.Prepend(r.Root)), s => Assert.Equal(s.Name, source.Substring(s.Offset, s.Name.Length)));
    }

    [Fact]
    public void A_quoted_index_is_a_static_segment()
    {
        var source = "steps['train'].outputs";

        var reference = Assert.Single(Parse(source).References);

        Assert.Equal("steps", reference.RootName);
        Assert.Equal([new("train", 7), new("outputs", 15)], reference.Path);
    }

    [Fact]
    public void A_numeric_index_is_a_static_segment()
    {
        var reference = Assert.Single(Parse("steps.sweep.outputs.all[0].loss").References);

        Assert.Equal(["sweep", "outputs", "all", "0", "loss"], reference.Path.Select(p => p.Name));
    }

    [Fact]
    public void A_dynamic_index_ends_the_path_and_its_own_names_are_references()
    {
        var references = Parse("steps.curate.outputs[params.split].rows").References;

        Assert.Contains(references, r => r.ToString() == "steps.curate.outputs");
        Assert.Contains(references, r => r.ToString() == "params.split");
        Assert.Equal(2, references.Count);
    }

    [Fact]
    public void A_dynamic_index_right_after_the_root_leaves_only_the_root()
    {
        var references = Parse("steps[matrix.step].outputs").References;

        Assert.Contains(references, r => r.RootName == "steps" && r.Path.Count == 0);
        Assert.Contains(references, r => r.ToString() == "matrix.step");
    }

    [Fact]
    public void Arrow_function_parameters_are_not_free_names()
    {
        var parsed = Parse("x.map(r => r.loss)");

        var reference = Assert.Single(parsed.References);
        Assert.Equal("x", reference.RootName);
        Assert.DoesNotContain(parsed.References, r => r.RootName == "r");
    }

    [Fact]
    public void Mapping_step_outputs_reads_the_step_but_not_the_parameter()
    {
        var parsed = Parse("Math.min(...steps.s.outputs.all.map(r => r.loss))");

        Assert.Contains(parsed.References, r => r.RootName == "steps" && r.Path.Take(3).Select(p => p.Name).SequenceEqual(["s", "outputs", "all"]));
        Assert.Contains(parsed.References, r => r.RootName == "Math");
        Assert.DoesNotContain(parsed.References, r => r.RootName == "r");
    }

    [Fact]
    public void Destructured_and_default_parameters_are_not_free_names()
    {
        var parsed = Parse("steps.s.outputs.all.map(({ loss, lr: rate }, i = 0) => loss * rate + i + params.bias)");

        Assert.Equal(["steps", "params"], parsed.References.Select(r => r.RootName).Distinct());
    }

    [Fact]
    public void A_name_bound_inside_one_arrow_function_is_still_free_outside_it()
    {
        // The parameter `steps` shadows the context only inside its arrow function; the read after it is of the
        // real steps, and the step it names must be reported or the planner misses the dependency on `curate`.
        var parsed = Parse("[1].map(steps => steps).length > 0 && steps.curate.outputs.rows > 0");

        Assert.Contains("steps.curate.outputs.rows", Names(parsed));
    }

    [Fact]
    public void Object_literal_keys_are_not_names_but_their_values_are()
    {
        var parsed = Parse("{ lr: matrix.lr, params }");

        Assert.Equal(["matrix.lr", "params"], Names(parsed));
    }

    [Fact]
    public void Globals_are_reported_as_plain_names()
    {
        var parsed = Parse("Math.max(1, 2)");

        Assert.Equal("Math", Assert.Single(parsed.References).RootName);
    }

    [Fact]
    public void A_syntax_error_is_located_at_its_offset()
    {
        var parsed = ParsedExpression.Parse("a +* b");

        Assert.NotNull(parsed.Error);
        Assert.Equal(3, parsed.Error.Offset);
        Assert.Empty(parsed.References);
    }

    [Fact]
    public void A_statement_is_not_an_expression()
    {
        Assert.NotNull(ParsedExpression.Parse("1; 2").Error);
        Assert.NotNull(ParsedExpression.Parse("1); while (true) {} (1").Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_expression_is_an_error(string source)
    {
        var parsed = ParsedExpression.Parse(source);

        Assert.NotNull(parsed.Error);
        Assert.Contains("empty", parsed.Error.Message);
    }

    [Fact]
    public void An_expression_longer_than_the_limit_is_an_error()
    {
        var source = string.Join(" + ", Enumerable.Repeat("1", ParsedExpression.MaxLength / 4 + 10));
        Assert.True(source.Length > ParsedExpression.MaxLength);

        var parsed = ParsedExpression.Parse(source);

        Assert.NotNull(parsed.Error);
        Assert.Contains("4096", parsed.Error.Message);
    }

    [Fact]
    public void An_expression_at_the_limit_is_fine()
    {
        var source = "'" + new string('a', ParsedExpression.MaxLength - 2) + "'";

        Assert.Null(ParsedExpression.Parse(source).Error);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_crash()
    {
        var source = new string('(', 1000) + "1" + new string(')', 1000);

        Assert.NotNull(ParsedExpression.Parse(source).Error);
    }
}
