using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pipelines.Expressions;

namespace Pipelines.Engine.Tests.Expressions;

/// <summary>Scripts are prepared once per source and shared by every sandbox, on every thread.</summary>
public sealed class PreparedScriptTests
{
    private const string Shared = "params.n * 1000 + steps.s.outputs.all.map(r => r.loss * params.n).reduce((a, b) => a + b, 0)";

    private static ExpressionScope ScopeFor(int n) => new()
    {
        Params = new JsonObject { ["n"] = n },
        Steps = new JsonObject
        {
            ["s"] = new JsonObject
            {
                ["status"] = "succeeded",
                ["outputs"] = new JsonObject { ["all"] = new JsonArray(new JsonObject { ["loss"] = 1 }, new JsonObject { ["loss"] = 2 }) },
            },
        },
    };

    [Fact]
    public void The_same_expression_gives_each_scope_its_own_answer()
    {
        Assert.Equal(1003L, new ExpressionSandbox(ScopeFor(1)).Evaluate(Shared)!.GetValue<long>());
        Assert.Equal(7021L, new ExpressionSandbox(ScopeFor(7)).Evaluate(Shared)!.GetValue<long>());
        Assert.Equal(1003L, new ExpressionSandbox(ScopeFor(1)).Evaluate(Shared)!.GetValue<long>());
    }

    [Fact]
    public async Task Sandboxes_on_many_threads_share_prepared_scripts_safely()
    {
        const int threads = 8;
        const int rounds = 200;
        var wrong = new ConcurrentBag<string>();
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(1, threads).Select(n => Task.Factory.StartNew(() =>
        {
            start.Wait();
            for (var round = 0; round < rounds; round++)
            {
                var sandbox = new ExpressionSandbox(ScopeFor(n));
                Check(sandbox.Evaluate(Shared), n * 1000 + 3 * n, $"thread {n} round {round}: shared");

                // New sources are added to the cache while other threads read it.
                var fresh = $"params.n + {round % 50}";
                Check(sandbox.Evaluate(fresh), n + round % 50, $"thread {n} round {round}: {fresh}");
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        start.Set();
        await Task.WhenAll(workers);

        Assert.Empty(wrong);

        void Check(JsonNode? value, long expected, string what)
        {
            if (value?.GetValue<long>() != expected) wrong.Add($"{what}: expected {expected}, got {value?.ToJsonString() ?? "null"}");
        }
    }

    [Fact]
    public void One_sandbox_evaluates_many_expressions_in_turn()
    {
        var sandbox = new ExpressionSandbox(ScopeFor(3));

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(3L + i, sandbox.Evaluate($"params.n + {i}")!.GetValue<long>());
        }
    }
}
