using static Pipelines.Activities.Models.Tokenization.ChatTemplateValues;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>Python's binary operators on template values: what <c>+</c>, <c>~</c>, <c>%</c>, <c>==</c>, <c>in</c> and the rest give.</summary>
internal static class ChatTemplateOperators
{
    private const int MaxRepeat = 1 << 20; // characters or items 'x' * n may make

    public static object? Apply(string op, object? left, object? right) => op switch
    {
        "~" => Str(left) + Str(right),
        "==" => AreEqual(left, right),
        "!=" => !AreEqual(left, right),
        "<" => Compare(left, right, op) < 0,
        "<=" => Compare(left, right, op) <= 0,
        ">" => Compare(left, right, op) > 0,
        ">=" => Compare(left, right, op) >= 0,
        "in" => ChatTemplateBuiltins.Contains(right, left),
        "not in" => !ChatTemplateBuiltins.Contains(right, left),
        "+" => Add(left, right),
        "*" => Multiply(left, right),
        _ => Arithmetic(op, left, right),
    };

    private static object? Add(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => a + b,
        (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
        _ => Arithmetic("+", left, right),
    };

    private static object? Multiply(object? left, object? right)
    {
        var (sequence, times) = (left, right) is (long n, string or List<object?>) ? (right, n) : (left, right as long? ?? 0);
        var count = Math.Max(times, 0);
        return sequence switch
        {
            string s when right is long || left is long => s.Length * count > MaxRepeat ? throw new TemplateError($"'*' would make a string over {MaxRepeat} characters") : string.Concat(Enumerable.Repeat(s, (int)count)),
            List<object?> list when right is long || left is long => list.Count * count > MaxRepeat ? throw new TemplateError($"'*' would make a list over {MaxRepeat} items") : Enumerable.Repeat(list, (int)count).SelectMany(l => l).ToList(),
            _ => Arithmetic("*", left, right),
        };
    }

    /// <summary>Numbers: whole numbers stay whole (Python's floor division and modulo), <c>/</c> always gives a float.</summary>
    private static object? Arithmetic(string op, object? left, object? right)
    {
        if (Number(left) is not { } x || Number(right) is not { } y)
            throw new TemplateError($"unsupported operand types for {op}: '{TypeName(left)}' and '{TypeName(right)}'");
        if (op is "/" or "//" or "%" && y == 0) throw new TemplateError($"division by zero ('{op}')");
        if (left is not double && right is not double)
        {
            long a = (long)x, b = (long)y;
            return op switch
            {
                "+" => (object)(a + b),
                "-" => a - b,
                "*" => a * b,
                "/" => x / y,
                "//" => (long)Math.Floor(x / y),
                "%" => ((a % b) + b) % b,
                "**" => b >= 0 ? (object)(long)Math.Pow(a, b) : Math.Pow(a, b),
                _ => throw new InvalidOperationException(op),
            };
        }

        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            "//" => Math.Floor(x / y),
            "%" => x - (y * Math.Floor(x / y)),
            "**" => Math.Pow(x, y),
            _ => throw new InvalidOperationException(op),
        };
    }
}
