using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

public sealed class TemplateStringTests
{
    private static TemplateString Parse(string text)
    {
        var template = TemplateString.Parse(text, out var unclosedAt);
        Assert.Null(unclosedAt);
        return template;
    }

    [Fact]
    public void Plain_text_is_one_literal_part()
    {
        var template = Parse("data/spam-assassin");

        var part = Assert.Single(template.Parts);
        Assert.Equal(new TemplatePart("data/spam-assassin", false, 0), part);
        Assert.False(template.HasExpressions);
        Assert.False(template.IsSingleExpression);
        Assert.False(TemplateString.ContainsExpression("data/spam-assassin"));
    }

    [Fact]
    public void A_scalar_that_is_one_expression_keeps_its_type()
    {
        var template = Parse("${{ params.corpus }}");

        Assert.True(template.IsSingleExpression);
        Assert.Equal(new TemplatePart("params.corpus", true, 4), Assert.Single(template.Parts));
    }

    [Fact]
    public void Whitespace_around_a_single_expression_is_ignored()
    {
        var template = Parse("  ${{params.lr}}\n");

        Assert.True(template.IsSingleExpression);
        Assert.Equal(new TemplatePart("params.lr", true, 5), Assert.Single(template.Parts));
    }

    [Fact]
    public void Text_around_expressions_makes_an_interpolation_with_offsets()
    {
        var text = "run ${{ run.id }} of ${{params.name}}!";

        var template = Parse(text);

        Assert.False(template.IsSingleExpression);
        Assert.True(template.HasExpressions);
        Assert.Equal(
            [
                new TemplatePart("run ", false, 0),
                new TemplatePart("run.id", true, 8),
                new TemplatePart(" of ", false, 17),
                new TemplatePart("params.name", true, 24),
                new TemplatePart("!", false, 37),
            ],
            template.Parts);
        Assert.Equal("run.id", text.Substring(template.Parts[1].Offset, "run.id".Length));
        Assert.Equal("params.name", text.Substring(template.Parts[3].Offset, "params.name".Length));
    }

    [Fact]
    public void Two_adjacent_expressions_are_two_parts()
    {
        var template = Parse("${{ a }}${{ b }}");

        Assert.False(template.IsSingleExpression);
        Assert.Equal(["a", "b"], template.Parts.Select(p => p.Text));
        Assert.All(template.Parts, p => Assert.True(p.IsExpression));
    }

    [Theory]
    [InlineData("${{ '}}' }}", "'}}'")]
    [InlineData("${{ \"a}}b\" + params.x }}", "\"a}}b\" + params.x")]
    [InlineData("${{ `}}` }}", "`}}`")]
    [InlineData("${{ 'it\\'s }}' }}", "'it\\'s }}'")]
    [InlineData("${{ {a: {b: 1}} }}", "{a: {b: 1}}")]
    [InlineData("${{ [{x: 1}].map(o => ({y: o.x})) }}", "[{x: 1}].map(o => ({y: o.x}))")]
    public void Closing_braces_inside_strings_and_object_literals_do_not_end_the_expression(string text, string expression)
    {
        var template = Parse(text);

        Assert.True(template.IsSingleExpression);
        Assert.Equal(expression, template.Parts[0].Text);
    }

    [Fact]
    public void An_unclosed_expression_reports_where_it_opens()
    {
        var template = TemplateString.Parse("model ${{ params.base_model ", out var unclosedAt);

        Assert.Equal(6, unclosedAt);
        Assert.False(template.HasExpressions);
    }

    [Fact]
    public void An_unclosed_expression_after_a_closed_one_reports_the_second_opening()
    {
        TemplateString.Parse("${{ a }} and ${{ b", out var unclosedAt);

        Assert.Equal(13, unclosedAt);
    }

    [Fact]
    public void An_empty_scalar_has_no_parts()
    {
        var template = Parse("");

        Assert.Empty(template.Parts);
        Assert.False(template.HasExpressions);
    }
}
