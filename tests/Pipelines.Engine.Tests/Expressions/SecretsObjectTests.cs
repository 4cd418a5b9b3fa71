using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

/// <summary><c>secrets</c> in an expression: names in any case, an error for one not set, and otherwise an ordinary frozen object.</summary>
public sealed class SecretsObjectTests
{
    private static readonly ExpressionScope Scope = new() { Secrets = new Dictionary<string, string> { ["hf_token"] = "hf-0123456789" } };

    private static string? Evaluate(string expression) => new ExpressionSandbox(Scope).Evaluate(expression)?.ToJsonString();

    [Theory]
    [InlineData("secrets.hf_token")]
    [InlineData("secrets.HF_TOKEN")]
    [InlineData("secrets['Hf_Token']")]
    public void A_secret_is_read_by_its_name_in_any_case(string expression)
    {
        Assert.Equal("\"hf-0123456789\"", Evaluate(expression));
    }

    [Fact]
    public void Reading_a_secret_not_set_throws_naming_it_and_its_variable_and_in_asks_without_throwing()
    {
        var error = Assert.Throws<ExpressionException>(() => Evaluate("secrets.openai_key"));

        Assert.Equal("secrets.openai_key is not set: set the environment variable PIPELINES_SECRET_OPENAI_KEY where the run executes "
                     + "(pipelines run, runs resume or serve); secrets set: hf_token", error.Reason);
        Assert.Equal("\"optional\"", Evaluate("'openai_key' in secrets ? secrets.openai_key : 'optional'"));
        Assert.Equal("true", Evaluate("'HF_TOKEN' in secrets"));
    }

    [Fact]
    public void Secrets_are_frozen_and_otherwise_behave_as_an_object()
    {
        Assert.Throws<ExpressionException>(() => Evaluate("(secrets.hf_token = 'changed')"));
        Assert.Throws<ExpressionException>(() => Evaluate("(secrets.other = 'added')"));
        Assert.Equal("""{"hf_token":"hf-0123456789"}""", new ExpressionSandbox(Scope).Evaluate("JSON.stringify(secrets)")!.GetValue<string>());
        Assert.Equal("\"[object Object] hf_token\"", Evaluate("String(secrets) + ' ' + Object.keys(secrets).join()"));
        Assert.Equal("true", Evaluate("Object.isFrozen(secrets)"));
    }
}
