using System.Text.Json.Nodes;
using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

/// <summary>
/// Expressions written to crash, wedge or exhaust the host: each must end as an <see cref="ExpressionException"/> with
/// a one-line reason, having allocated a bounded amount on the way (measured on this thread, where Jint runs).
/// </summary>
public sealed class PoisonExpressionTests
{
    /// <summary>Far above what any bounded failure costs (the memory limit is 32 MiB), far below what the attacks cost unbounded (0.5-8 GB).</summary>
    private const long AllocationBound = 256L * 1024 * 1024;

    private static ExpressionSandbox Sandbox() => new(new ExpressionScope { Params = new JsonObject { ["n"] = 1 } });

    private static ExpressionException FailsBounded(string expression)
    {
        var sandbox = Sandbox();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ExpressionException>(() => sandbox.Evaluate(expression));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < AllocationBound, $"'{expression}' allocated {allocated / (1024 * 1024)} MiB before failing");
        Assert.DoesNotContain('\n', error.Reason);
        Assert.NotEmpty(error.Reason);
        return error;
    }

    [Theory]
    // Amplifiers: one native call asked for far more text than it was given.
    [InlineData("String('x'.repeat(5e8).length)", "repeat")]
    [InlineData("'x'.padEnd(4e8).length", "padEnd")]
    [InlineData("'x'.padStart(4e8).length", "padStart")]
    [InlineData("Array(500000).fill('x'.repeat(1000)).join('').length", "join")]
    [InlineData("String(Array(500000).fill('x'.repeat(1000))).length", "join")]
    [InlineData("`${Array(500000).fill('x'.repeat(1000))}`.length", "join")]
    [InlineData("Array(500000).fill('x'.repeat(1000)).toLocaleString().length", "join")]
    [InlineData("JSON.stringify(Array(500000).fill('x'.repeat(1000))).length", "JSON.stringify")]
    [InlineData("JSON.stringify({ a: Array(500000).fill('x'.repeat(1000)) }, null, 2).length", "JSON.stringify")]
    [InlineData("JSON.stringify(Array(500000).fill(new String('x'.repeat(1000)))).length", "JSON.stringify")]
    [InlineData("JSON.stringify(Array(100000).fill('\\u0001'.repeat(1000))).length", "JSON.stringify")]
    [InlineData("'x'.repeat(10000).replaceAll('', 'y'.repeat(10000)).length", "replaceAll")]
    [InlineData("'x'.repeat(10000).replaceAll('x', \"$`$`\").length", "replaceAll")]
    [InlineData("'x'.repeat(10000).replace(/(?:)/g, 'y'.repeat(10000)).length", "replace")]
    [InlineData("'x'.repeat(10000).replace(/x/g, \"$'\").length", "replace")]
    [InlineData("''.concat(...Array(100000).fill('x'.repeat(10000))).length", "concat")]
    [InlineData("encodeURIComponent(encodeURIComponent(encodeURIComponent('\\u00e9'.repeat(3e6)))).length", "encodeURIComponent")]
    [InlineData("'\\ufdfa'.repeat(2e6).normalize('NFKD').length", "normalize")]
    public void A_builtin_that_would_amplify_text_past_the_limit_is_refused_before_it_allocates(string expression, string builtin)
    {
        var error = FailsBounded(expression);

        // The length check names the built-in; on a loaded machine a long walk may meet the memory or time limit first.
        Assert.Matches($"{System.Text.RegularExpressions.Regex.Escape(builtin)}|MiB|took longer", error.Reason);
    }

    [Theory]
    // Depth: native recursion that used to overflow the stack and abort the process.
    [InlineData("Array(90000).fill(0).reduce(a => [a], [])")]
    [InlineData("String(Array(90000).fill(0).reduce(a => [a], []))")]
    [InlineData("JSON.stringify(Array(90000).fill(0).reduce(a => [a], []))")]
    [InlineData("({ toJSON() { return Array(90000).fill(0).reduce(a => [a], []) } })")]
    [InlineData("JSON.parse('['.repeat(100000) + ']'.repeat(100000))")]
    [InlineData("Array(90000).fill(0).reduce(a => [a], []).flat(Infinity)")]
    // Results JSON cannot hold, or whose conversion runs code forever.
    [InlineData("2n ** 10n")]
    [InlineData("[1n]")]
    [InlineData("Object.getOwnPropertySymbols(RegExp.prototype)[0]")]
    [InlineData("({ get x() { while (true) {} } })")]
    [InlineData("({ toJSON() { while (true) {} } })")]
    [InlineData("({ get a() { return this.a } }).a")]
    // What the name check cannot see.
    [InlineData("import('fs')")]
    [InlineData("(() => { class R extends RegExp { exec() { return null } }; return 'abc'.replace(new R('b', 'g'), 'x') })()")]
    [InlineData("(RegExp.prototype.exec = () => null, 'abc'.replace(/b/g, 'x'))")]
    [InlineData("(Array.prototype.join = () => 'x', String([1]))")]
    [InlineData("(() => { throw 'line one\\nline two' })()")]
    public void A_poison_expression_fails_cleanly_in_bounded_memory(string expression)
    {
        FailsBounded(expression);
    }

    [Fact]
    public void A_result_nested_deeper_than_64_levels_is_refused_and_64_is_accepted()
    {
        var sandbox = Sandbox();

        var deepest = sandbox.Evaluate("Array(64).fill(0).reduce(a => [a], 1)");
        var error = Assert.Throws<ExpressionException>(() => sandbox.Evaluate("Array(65).fill(0).reduce(a => [a], 1)"));

        Assert.NotNull(deepest);
        Assert.Contains("nested deeper than 64", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_integer_result_says_how_to_convert_it()
    {
        var error = Assert.Throws<ExpressionException>(() => Sandbox().Evaluate("2n ** 10n"));

        Assert.Contains("BigInt", error.Reason, StringComparison.Ordinal);
        Assert.Contains("Number(", error.Reason, StringComparison.Ordinal);
        Assert.Equal(1024L, Sandbox().Evaluate("Number(2n ** 10n)")!.GetValue<long>());
    }

    [Fact]
    public void The_global_this_reaches_only_the_names_an_expression_may_use()
    {
        var sandbox = Sandbox();

        var names = sandbox.Evaluate("Object.getOwnPropertyNames((() => this)())")!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();

        var allowed = ParsedExpression.Globals.Concat(ExpressionScope.Roots).ToHashSet();
        Assert.Empty(names.Except(allowed));
        foreach (var hidden in new[] { "Proxy", "Reflect", "WeakRef", "FinalizationRegistry", "ShadowRealm", "globalThis", "eval", "Function", "Symbol" })
        {
            Assert.Equal("undefined", sandbox.Evaluate($"typeof (() => this)().{hidden}")!.GetValue<string>());
        }
    }

    [Fact]
    public void Built_in_prototypes_are_frozen()
    {
        var sandbox = Sandbox();

        var error = Assert.Throws<ExpressionException>(() => sandbox.Evaluate("(String.prototype.trim = () => 'hacked')"));

        Assert.Contains("read", error.Reason, StringComparison.OrdinalIgnoreCase); // "Cannot assign to read only property"
        Assert.Equal("ok", sandbox.Evaluate("' ok '.trim()")!.GetValue<string>());
    }

    [Theory]
    [InlineData("'ab'.repeat(3)", "ababab")]
    [InlineData("'7'.padStart(3, '0') + '7'.padEnd(3, '-')", "0077--")]
    [InlineData("'a'.concat('b', 1, null)", "ab1null")]
    [InlineData("[1, [2, 3], null, undefined, 'x'].join('-')", "1-2,3---x")]
    [InlineData("String([1, [2, [3]]])", "1,2,3")]
    [InlineData("`${[1, 2]}`", "1,2")]
    [InlineData("(() => { const a = [1]; a.push(a, 2); return String(a) })()", "1,,2")]
    [InlineData("Array.prototype.join.call({ length: 2, 0: 'a', 1: 'b' }, '+')", "a+b")]
    [InlineData("[1, 2].toLocaleString()", "1,2")]
    [InlineData("'a-b-c'.replaceAll('-', '+')", "a+b+c")]
    [InlineData("'a-b-c'.replace('-', '[$&]')", "a[-]b-c")]
    [InlineData("'abc'.replace(/b/g, '<$&>')", "a<b>c")]
    [InlineData("'2024-01-02'.replace(/(\\d+)-(\\d+)-(\\d+)/, '$3/$2/$1')", "02/01/2024")]
    [InlineData("'abc'.replace(/(?<mid>b)/, '[$<mid>]')", "a[b]c")]
    [InlineData("'abc'.replaceAll(/[ac]/g, m => m.toUpperCase())", "AbC")]
    [InlineData("'aXbX'.replace(/X/g, \"$'\")", "abXb")]
    [InlineData("'straße'.toUpperCase()", "STRASSE")]
    [InlineData("encodeURIComponent('a b/é')", "a%20b%2F%C3%A9")]
    [InlineData("'abc'.normalize('NFC')", "abc")]
    [InlineData("JSON.stringify({ a: [1, { b: 2 }], s: new String('x'), n: new Number(2), t: new Boolean(false) })", "{\"a\":[1,{\"b\":2}],\"s\":\"x\",\"n\":2,\"t\":false}")]
    [InlineData("JSON.stringify({ a: 1, b: 2, c: { a: 3, d: 4 } }, ['c', 'a'])", "{\"c\":{\"a\":3},\"a\":1}")]
    [InlineData("JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v * 10 : v)", "{\"a\":10,\"b\":\"x\"}")]
    [InlineData("JSON.stringify([1, { a: 2 }], null, 1)", "[\n 1,\n {\n  \"a\": 2\n }\n]")]
    [InlineData("JSON.stringify({ d: new Date(0), f: () => 1, u: undefined })", "{\"d\":\"1970-01-01T00:00:00.000Z\"}")]
    public void The_bounded_builtins_behave_as_javascript_specifies(string expression, string expected)
    {
        Assert.Equal(expected, Sandbox().Evaluate(expression)!.GetValue<string>());
    }

    [Fact]
    public void Results_keep_their_shape_after_the_bounded_conversion()
    {
        var value = Sandbox().Evaluate("({ list: [1, 2.5, 'x', true, null], nested: { deep: [[{}]] }, when: new Date(0) })");

        Assert.Equal("""{"list":[1,2.5,"x",true,null],"nested":{"deep":[[{}]]},"when":"1970-01-01T00:00:00.000Z"}""", value!.ToJsonString());
    }
}
