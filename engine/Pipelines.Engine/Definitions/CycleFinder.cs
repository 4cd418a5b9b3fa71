using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>Finds cycles among steps (edges from <c>needs</c> and from expressions) and reports each one with its path.</summary>
internal static class CycleFinder
{
    public static void Report(DiagnosticBag diagnostics, IReadOnlyList<string> order, IReadOnlyDictionary<string, List<(string To, SourceLocation At)>> edges)
    {
        // Iterative DFS with colours; every back edge closes one cycle. Each cycle is reported once, by its node set.
        var state = order.ToDictionary(id => id, _ => 0, StringComparer.Ordinal); // 0 new, 1 on stack, 2 done
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in order)
        {
            if (state[start] != 0) continue;
            var path = new List<string>();
            var stack = new Stack<(string Node, int Next)>();
            stack.Push((start, 0));
            state[start] = 1;
            path.Add(start);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var outgoing = edges.TryGetValue(node, out var list) ? list : [];
                if (next >= outgoing.Count)
                {
                    state[node] = 2;
                    path.RemoveAt(path.Count - 1);
                    continue;
                }

                stack.Push((node, next + 1));
                var (to, at) = outgoing[next];
                if (!state.TryGetValue(to, out var toState)) continue;
                if (toState == 1)
                {
                    var cycle = path.Skip(path.IndexOf(to)).Append(to).ToList();
                    var key = string.Join(',', cycle.Skip(1).Order(StringComparer.Ordinal));
                    if (reported.Add(key))
                    {
                        diagnostics.Error(DiagnosticCodes.Cycle, at,
                            cycle.Count == 2 ? $"step '{to}' depends on itself" : $"steps form a cycle: {string.Join(" -> ", cycle)}",
                            "a step cannot wait for itself; remove one of these needs or references");
                    }
                }
                else if (toState == 0)
                {
                    state[to] = 1;
                    path.Add(to);
                    stack.Push((to, 0));
                }
            }
        }
    }
}
