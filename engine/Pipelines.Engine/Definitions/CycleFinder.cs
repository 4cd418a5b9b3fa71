using Pipelines.Diagnostics;

namespace Pipelines.Definitions;

/// <summary>Finds cycles among steps (edges from <c>needs</c> and from expressions) and reports each one with its path.</summary>
internal static class CycleFinder
{
    /// <summary>A longer cycle is printed as its first and last steps around "…"; the whole path would be a line per step.</summary>
    private const int MaxPrinted = 10;

    public static void Report(DiagnosticBag diagnostics, IReadOnlyList<string> order, IReadOnlyDictionary<string, List<(string To, SourceLocation At)>> edges)
    {
        // Iterative DFS with colours; every back edge closes one cycle, reported once per (from, to) pair (an edge can
        // be both a `needs` and an expression). Where each step sits on the path is kept in a map, so closing a cycle
        // costs the same however long the path is: a chain of thousands of steps that all need the first stays linear.
        var state = order.ToDictionary(id => id, _ => 0, StringComparer.Ordinal); // 0 new, 1 on stack, 2 done
        var reported = new HashSet<(string, string)>();
        var path = new List<string>();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var start in order)
        {
            if (state[start] != 0) continue;
            var stack = new Stack<(string Node, int Next)>();
            stack.Push((start, 0));
            state[start] = 1;
            position[start] = path.Count;
            path.Add(start);
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var outgoing = edges.TryGetValue(node, out var list) ? list : [];
                if (next >= outgoing.Count)
                {
                    state[node] = 2;
                    position.Remove(node);
                    path.RemoveAt(path.Count - 1);
                    continue;
                }

                stack.Push((node, next + 1));
                var (to, at) = outgoing[next];
                if (!state.TryGetValue(to, out var toState)) continue;
                if (toState == 1)
                {
                    if (reported.Add((node, to)))
                    {
                        var from = position[to];
                        diagnostics.Error(DiagnosticCodes.Cycle, at,
                            from == path.Count - 1 ? $"step {DiagnosticText.Quote(to)} depends on itself" : $"steps form a cycle: {Describe(path, from)}",
                            "a step cannot wait for itself; remove one of these needs or references");
                    }
                }
                else if (toState == 0)
                {
                    state[to] = 1;
                    position[to] = path.Count;
                    path.Add(to);
                    stack.Push((to, 0));
                }
            }
        }
    }

    /// <summary><c>a -> b -> c -> a</c> for the cycle path[from..] closed back to its first step; the middle of a long one elided.</summary>
    private static string Describe(List<string> path, int from)
    {
        static string Id(string id) => DiagnosticText.OneLine(id, DiagnosticText.MaxEcho);
        var length = path.Count - from;
        if (length <= MaxPrinted) return string.Join(" -> ", path.Skip(from).Append(path[from]).Select(Id));
        var head = path.GetRange(from, MaxPrinted / 2).Select(Id);
        var tail = path.GetRange(path.Count - (MaxPrinted / 2 - 1), MaxPrinted / 2 - 1).Append(path[from]).Select(Id);
        return $"{string.Join(" -> ", head)} -> … {length - MaxPrinted + 1:N0} more … -> {string.Join(" -> ", tail)}";
    }
}
