using System.Diagnostics;
using System.Text.Json.Nodes;
using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

/// <summary>What an expression must never be able to do: reach .NET, compile strings, or run away with time, memory or stack.</summary>
public sealed class ExpressionSandboxTests
{
    // Thousands of native string scans from one arrow function: few statements and little memory, so only the clock stops it.
    private const string SlowButFrugal =
        "(() => { const s = 'a'.repeat(1e6); return Array(90000).fill(0).map(() => s.lastIndexOf('b')).length })()";

    private static ExpressionSandbox Sandbox() => new(new ExpressionScope { Params = new JsonObject { ["n"] = 1 } });

    private static ExpressionException Fails(string expression) => Fails(Sandbox(), expression);

    private static ExpressionException Fails(ExpressionSandbox sandbox, string expression)
    {
        var error = Assert.Throws<ExpressionException>(() => sandbox.Evaluate(expression));
        Assert.Equal(expression, error.Expression);
        return error;
    }

    [Theory]
    [InlineData("System")]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')")]
    [InlineData("importNamespace('System.IO')")]
    [InlineData("require('fs')")]
    [InlineData("process.exit(1)")]
    [InlineData("globalThis.System.Environment.Exit(1)")]
    [InlineData("host")]
    [InlineData("clrHelper")]
    public void No_clr_or_host_object_is_reachable(string expression)
    {
        var error = Fails(expression);

        Assert.Matches("is not defined|of undefined", error.Reason);
    }

    [Theory]
    [InlineData("typeof System")]
    [InlineData("typeof importNamespace")]
    [InlineData("typeof require")]
    [InlineData("typeof process")]
    public void Clr_names_are_undefined(string expression)
    {
        Assert.Equal("undefined", Sandbox().Evaluate(expression)!.GetValue<string>());
    }

    [Fact]
    public void The_global_object_has_no_name()
    {
        Assert.Contains("globalThis is not defined", Fails("globalThis.System").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_global_object_holds_only_the_context_besides_javascript_builtins()
    {
        var keys = Sandbox().Evaluate("Object.keys((() => this)())")!.AsArray().Select(k => k!.GetValue<string>());

        Assert.Equal(ExpressionScope.Roots.Order(), keys.Order());
    }

    [Theory]
    [InlineData("eval('1 + 1')")]
    [InlineData("new Function('return 1')()")]
    [InlineData("Function('return 1')()")]
    [InlineData("(() => 0).constructor('return 1')()")]
    [InlineData("params.constructor.constructor('return 1')()")]
    [InlineData("Object.getPrototypeOf(async () => {}).constructor('return 1')")]
    [InlineData("setTimeout('1', 0)")]
    public void Strings_are_never_compiled(string expression)
    {
        Fails(expression);
    }

    [Fact]
    public void An_infinite_loop_stops_within_two_seconds()
    {
        var watch = Stopwatch.StartNew();

        Fails("(() => { while (true) {} })()");

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Too_many_statements_are_stopped()
    {
        var error = Fails("(() => { let i = 0; while (i >= 0) { i++ } return i })()");

        Assert.Contains("statements", error.Reason);
    }

    [Fact]
    public void A_long_loop_under_the_statement_limit_runs()
    {
        var value = Sandbox().Evaluate("(() => { let sum = 0; for (let i = 0; i < 1000; i++) { sum += i } return sum })()");

        Assert.Equal(499_500L, value!.GetValue<long>());
    }

    [Fact]
    public void Slow_work_is_stopped_by_the_time_limit()
    {
        var watch = Stopwatch.StartNew();

        var error = Fails(SlowButFrugal);

        Assert.Contains("took longer than", error.Reason);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void The_time_limit_applies_to_each_evaluation_on_its_own()
    {
        var sandbox = Sandbox();

        Fails(sandbox, SlowButFrugal);
        Assert.Equal(2L, sandbox.Evaluate("params.n + 1")!.GetValue<long>());

        // The second slow evaluation gets a fresh allowance: it is stopped by the limit, not at once.
        var watch = Stopwatch.StartNew();
        Fails(sandbox, SlowButFrugal);
        Assert.True(watch.Elapsed >= ExpressionSandbox.TimeLimit * 0.8, $"stopped after {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(2L, sandbox.Evaluate("params.n + 1")!.GetValue<long>());
    }

    [Theory]
    [InlineData("(() => { let s = 'x'; while (true) s = s + s; })()")]
    [InlineData("(() => { let a = [1]; while (true) a = a.concat(a, a); })()")]
    [InlineData("new Array(1e7).fill(1).length")]
    public void Growing_memory_is_stopped(string expression)
    {
        Fails(expression);
    }

    [Fact]
    public void One_huge_string_is_stopped_by_the_memory_limit()
    {
        // 1e8 characters are 200 MB, six times the limit.
        var error = Fails("'x'.repeat(1e8)");

        Assert.Contains("limited to 16 Mi characters", error.Reason);
    }

    [Fact]
    public void Memory_used_by_one_evaluation_does_not_count_against_the_next()
    {
        var sandbox = Sandbox();

        Fails(sandbox, "new Array(1e7).fill(1).length");

        Assert.Equal(10_000L, sandbox.Evaluate("new Array(1e4).fill(1).length")!.GetValue<long>());
    }

    [Fact]
    public void Unbounded_recursion_is_a_clean_error_not_a_stack_overflow()
    {
        var error = Fails("(function f(n) { return f(n + 1) })(0)");

        Assert.Contains("recursed", error.Reason);
    }

    [Fact]
    public void Recursion_within_the_limit_works()
    {
        var value = Sandbox().Evaluate("(function f(n) { return n === 0 ? 0 : 1 + f(n - 1) })(30)");

        Assert.Equal(30L, value!.GetValue<long>());
    }

    [Fact]
    public void Catastrophic_regex_backtracking_is_stopped()
    {
        var watch = Stopwatch.StartNew();

        Fails("/(a+)+$/.test('a'.repeat(40) + 'b')");

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void A_sandbox_still_works_after_every_kind_of_failure()
    {
        var sandbox = Sandbox();

        Fails(sandbox, "(() => { while (true) {} })()");
        Fails(sandbox, "(function f(n) { return f(n + 1) })(0)");
        Fails(sandbox, "new Array(1e7).fill(1).length");
        Fails(sandbox, "undefinedName");

        Assert.Equal(2L, sandbox.Evaluate("params.n * 2")!.GetValue<long>());
    }

    [Fact]
    public void A_syntax_error_at_evaluation_is_an_expression_error()
    {
        // The sandbox is the boundary: it must not depend on the caller having checked the syntax first.
        var error = Fails("a +* b");

        Assert.NotEmpty(error.Reason);
    }

    [Fact]
    public void Statements_cannot_be_smuggled_past_the_expression_wrapper()
    {
        // ParsedExpression rejects this as "not one expression"; evaluation must not run it as a script either.
        Fails("1); var smuggled = 2; (smuggled");
    }

    [Fact]
    public void One_expression_cannot_change_what_the_next_one_reads()
    {
        // A step's inputs are rendered one after another on one sandbox; expressions are pure, so an assignment in
        // one input must not leak into the next (freezing the context would make the assignment itself fail).
        var sandbox = Sandbox();

        try
        {
            sandbox.Evaluate("(params.n = 99)");
        }
        catch (ExpressionException)
        {
            // refusing the assignment is fine too
        }

        Assert.Equal(1L, sandbox.Evaluate("params.n")!.GetValue<long>());
    }
}
