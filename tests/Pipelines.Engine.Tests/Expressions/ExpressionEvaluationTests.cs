using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

public sealed class ExpressionEvaluationTests
{
    private static readonly ExpressionScope Scope = new()
    {
        Params = new JsonObject { ["corpus"] = "data/spam", ["min_rougeL"] = 0.2, ["epochs"] = 3, ["tags"] = new JsonArray("a", "b") },
        Steps = new JsonObject
        {
            ["curate"] = new JsonObject
            {
                ["status"] = "succeeded",
                ["outputs"] = new JsonObject { ["train"] = "artifact://sha256/abc", ["rows"] = 1200 },
            },
            ["sweep"] = new JsonObject
            {
                ["status"] = "succeeded",
                ["outputs"] = new JsonObject
                {
                    ["all"] = new JsonArray(
                        new JsonObject { ["lr"] = 1e-4, ["loss"] = 0.9 },
                        new JsonObject { ["lr"] = 3e-4, ["loss"] = 0.4 },
                        new JsonObject { ["lr"] = 1e-3, ["loss"] = 0.7 }),
                    ["best"] = new JsonObject { ["adapter"] = "artifact://sha256/def", ["loss"] = 0.4 },
                },
            },
            ["gate"] = new JsonObject { ["status"] = "skipped", ["outputs"] = new JsonObject() },
        },
        Matrix = new JsonObject { ["lr"] = 3e-4, ["rank"] = 8 },
        Run = new JsonObject { ["id"] = "run-42", ["pipeline"] = "email-subjects", ["version"] = 3, ["trigger"] = "manual" },
        Secrets = new Dictionary<string, string> { ["hf_token"] = "s3cret" },
        Item = new JsonObject { ["val_loss"] = 0.25 },
    };

    private static JsonNode? Evaluate(string expression) => new ExpressionSandbox(Scope).Evaluate(expression);

    private static JsonNode? Render(string text)
    {
        var template = TemplateString.Parse(text, out var unclosedAt);
        Assert.Null(unclosedAt);
        return new ExpressionSandbox(Scope).Render(template);
    }

    [Fact]
    public void Integer_arithmetic_gives_an_integer()
    {
        var value = Render("${{ 1 + 2 }}");

        Assert.Equal(JsonValueKind.Number, value!.GetValueKind());
        Assert.Equal("3", value.ToJsonString());
        Assert.Equal(3L, value.GetValue<long>());
    }

    [Fact]
    public void Fractional_arithmetic_gives_a_fraction()
    {
        var value = Render("${{ 0.5 * 3 }}");

        Assert.Equal(JsonValueKind.Number, value!.GetValueKind());
        Assert.Equal(1.5, value.GetValue<double>());
    }

    [Theory]
    [InlineData("1 < 2", true)]
    [InlineData("params.min_rougeL >= 0.25", false)]
    [InlineData("!false", true)]
    public void Comparisons_give_booleans(string expression, bool expected)
    {
        var value = Evaluate(expression);

        Assert.Equal(expected ? JsonValueKind.True : JsonValueKind.False, value!.GetValueKind());
    }

    [Fact]
    public void A_list_stays_a_list()
    {
        var value = Render("${{ [1, 'two', [3]] }}");

        Assert.Equal("""[1,"two",[3]]""", value!.ToJsonString());
        Assert.IsType<JsonArray>(value);
    }

    [Fact]
    public void An_object_stays_an_object()
    {
        var value = Render("${{ { lr: matrix.lr, rank: matrix.rank * 2, nested: { ok: true } } }}");

        var obj = Assert.IsType<JsonObject>(value);
        Assert.Equal("""{"lr":0.0003,"rank":16,"nested":{"ok":true}}""", obj.ToJsonString());
    }

    [Theory]
    [InlineData("null")]
    [InlineData("undefined")]
    [InlineData("params.missing")]
    [InlineData("steps.gate.outputs.passed")]
    public void Null_and_undefined_give_null(string expression)
    {
        Assert.Null(Evaluate(expression));
    }

    [Fact]
    public void A_string_stays_a_string()
    {
        var value = Render("${{ 'it' + 's' }}");

        Assert.Equal(JsonValueKind.String, value!.GetValueKind());
        Assert.Equal("its", value.GetValue<string>());
    }

    [Fact]
    public void Interpolation_joins_text_and_values_into_a_string()
    {
        var value = Render("epochs=${{ params.epochs }} lr=${{ matrix.lr }} ok=${{ true }} gone=[${{ null }}]");

        Assert.Equal("epochs=3 lr=0.0003 ok=true gone=[]", value!.GetValue<string>());
    }

    [Fact]
    public void Interpolation_writes_objects_and_lists_as_json()
    {
        var value = Render("best: ${{ steps.sweep.outputs.best }} tags: ${{ params.tags }}");

        Assert.Equal("""best: {"adapter":"artifact://sha256/def","loss":0.4} tags: ["a","b"]""", value!.GetValue<string>());
    }

    [Fact]
    public void Interpolation_of_a_number_inside_a_sentence_is_a_string()
    {
        var value = Render("${{ 1 + 2 }} apples");

        Assert.Equal(JsonValueKind.String, value!.GetValueKind());
        Assert.Equal("3 apples", value.GetValue<string>());
    }

    [Theory]
    [InlineData("0 / 0")]
    [InlineData("Math.sqrt(-1)")]
    [InlineData("parseInt('not a number')")]
    [InlineData("1 / 0")]
    public void A_result_that_is_not_a_finite_number_is_an_error(string expression)
    {
        var error = Assert.Throws<ExpressionException>(() => Evaluate(expression));

        Assert.Equal(expression, error.Expression);
        Assert.Contains("not a finite number", error.Message);
    }

    [Fact]
    public void A_function_is_not_a_value()
    {
        Assert.Throws<ExpressionException>(() => Evaluate("x => x"));
    }

    [Fact]
    public void A_javascript_error_is_an_expression_error()
    {
        var error = Assert.Throws<ExpressionException>(() => Evaluate("params.missing.deeper"));

        Assert.Contains("params.missing.deeper", error.Message);
    }

    [Fact]
    public void Reads_params()
    {
        Assert.Equal("data/spam", Evaluate("params.corpus")!.GetValue<string>());
        Assert.Equal(0.2, Evaluate("params['min_rougeL']")!.GetValue<double>());
    }

    [Fact]
    public void Reads_step_outputs_and_status()
    {
        Assert.Equal("artifact://sha256/abc", Evaluate("steps.curate.outputs.train")!.GetValue<string>());
        Assert.Equal(1200L, Evaluate("steps.curate.outputs.rows")!.GetValue<long>());
        Assert.Equal("succeeded", Evaluate("steps.curate.status")!.GetValue<string>());
        Assert.True(Evaluate("steps.gate.status == 'skipped'")!.GetValue<bool>());
    }

    [Fact]
    public void Reads_matrix_run_secrets_and_item()
    {
        Assert.Equal(8L, Evaluate("matrix.rank")!.GetValue<long>());
        Assert.Equal("run-42 email-subjects@3", Evaluate("run.id + ' ' + run.pipeline + '@' + run.version")!.GetValue<string>());
        Assert.Equal("s3cret", Evaluate("secrets.hf_token")!.GetValue<string>());
        Assert.Equal(0.25, Evaluate("item.val_loss")!.GetValue<double>());
    }

    [Fact]
    public void Matrix_and_item_are_undefined_outside_a_fan_out()
    {
        var sandbox = new ExpressionSandbox(new ExpressionScope());

        Assert.Equal("undefined undefined", sandbox.Evaluate("typeof matrix + ' ' + typeof item")!.GetValue<string>());
    }

    [Fact]
    public void Arrow_functions_map_over_lists()
    {
        var value = Evaluate("steps.sweep.outputs.all.map(r => r.loss)");

        Assert.Equal("[0.9,0.4,0.7]", value!.ToJsonString());
    }

    [Fact]
    public void Math_min_over_a_spread_list()
    {
        var value = Evaluate("Math.min(...steps.sweep.outputs.all.map(r => r.loss))");

        Assert.Equal(0.4, value!.GetValue<double>());
    }

    [Fact]
    public void Filter_find_and_reduce_work_on_outputs()
    {
        Assert.Equal(0.0003, Evaluate("steps.sweep.outputs.all.find(r => r.loss < 0.5).lr")!.GetValue<double>());
        Assert.Equal(2L, Evaluate("steps.sweep.outputs.all.filter(r => r.loss > 0.5).length")!.GetValue<long>());
        Assert.Equal(0.0003, Evaluate("steps.sweep.outputs.all.reduce((best, r) => r.loss < best.loss ? r : best).lr")!.GetValue<double>());
    }

    [Fact]
    public void The_scope_is_frozen_so_an_expression_cannot_change_it()
    {
        var sandbox = new ExpressionSandbox(Scope);

        // The context is frozen: in strict mode the assignment is an error, and neither the C# scope nor what later
        // expressions read has changed.
        var error = Assert.Throws<ExpressionException>(() => sandbox.Evaluate("(() => { params.corpus = 'changed'; return 1 })()"));

        Assert.Contains("read only", error.Message);
        Assert.Equal("data/spam", Scope.Params["corpus"]!.GetValue<string>());
        Assert.Equal("data/spam", sandbox.Evaluate("params.corpus")!.GetValue<string>());
    }
}
