using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using Xunit.Abstractions;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// Breaks the valid examples in thousands of random ways and checks what must hold for any input: the loader
/// returns instead of throwing, every diagnostic points inside the file, and a result without diagnostics has a
/// pipeline. A failure message carries the seed and the iteration, which reproduce it exactly.
/// </summary>
public sealed partial class MutationFuzzTests(ITestOutputHelper output)
{
    private const int FixedSeed = 20_250_301;
    private const int FallbackSeed = 7_919;
    private const string SeedVariable = "PIPELINES_FUZZ_SEED";

    private static readonly string[] Tokens =
    [
        "\t", ":", ": ", "-", "- ", "[", "]", "{", "}", "&a ", "*a", "${{", "}}", "${{ steps.", "${{ params.", "\"", "'", "#", "|", ">-",
        "? ", ",", "!", "!!str ", "%YAML 1.2", "---", "...", "@", "`", "\\", "\r", "\n", "\0", "\u00e9", "\u2028", "\uFEFF", "~", "null", "0x",
        "1e999", "-1", "((", "))", "&&", "=>", " ", "    ",
    ];

    [GeneratedRegex("^PL[1-5][0-9]{3}$")]
    private static partial Regex Code();

    [Fact]
    public void Five_thousand_mutations_of_the_examples_never_break_the_loader()
    {
        var codes = Fuzz(FixedSeed, 5_000);

        // The mutations must actually reach deep into validation, not only into the YAML parser.
        Assert.True(codes.Count >= 15, $"only these codes were seen: {string.Join(", ", codes.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void Mutations_with_the_seed_from_the_environment_never_break_the_loader()
    {
        var variable = Environment.GetEnvironmentVariable(SeedVariable);
        var seed = int.TryParse(variable, out var parsed) ? parsed : FallbackSeed;

        Fuzz(seed, 2_000);
    }

    private HashSet<string> Fuzz(int seed, int iterations)
    {
        var random = new Random(seed);
        var sources = ExampleFiles().Select(f => (Name: Path.GetFileName(f), Text: File.ReadAllText(f))).ToList();
        Assert.NotEmpty(sources);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var loaded = 0;
        var clock = Stopwatch.StartNew();
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var (name, text) = sources[random.Next(sources.Count)];
            var other = sources[random.Next(sources.Count)].Text;
            var lines = text.Split('\n').ToList();
            var mutations = 1 + random.Next(3);
            var described = new List<string>();
            for (var m = 0; m < mutations; m++) described.Add(MutateLines(random, lines, other));
            var content = Encoding.UTF8.GetBytes(string.Join('\n', lines));
            if (random.Next(6) == 0) described.Add(FlipBytes(random, ref content));

            var failure = Check(name, content, useBytes: random.Next(2) == 0, out var result);
            Assert.True(failure is null,
                $"seed {seed} ({SeedVariable}={Environment.GetEnvironmentVariable(SeedVariable) ?? "unset"}), iteration {iteration}, " +
                $"{name} after {string.Join(", ", described)}: {failure}\n--- document ---\n{Preview(content)}");
            if (result!.Succeeded) loaded++;
            foreach (var d in result.Diagnostics) codes.Add(d.Code);
        }

        output.WriteLine($"seed {seed}: {iterations} mutated documents in {clock.Elapsed.TotalSeconds:N1} s; {loaded} still loaded; " +
                         $"codes seen: {string.Join(", ", codes.Order(StringComparer.Ordinal))}");
        return codes;
    }

    /// <summary>Null when every property holds, else what broke.</summary>
    private static string? Check(string name, byte[] content, bool useBytes, out LoadResult? result)
    {
        result = null;
        var text = Encoding.UTF8.GetString(content);
        try
        {
            result = useBytes ? PipelineLoader.Load(name, content, Catalog) : PipelineLoader.Load(name, text, Catalog);
        }
        catch (Exception e)
        {
            return $"Load({(useBytes ? "byte[]" : "string")}) threw {e}";
        }

        var lastLine = LineCount(text) + 1;
        var previous = (Line: 0, Column: 0);
        foreach (var d in result.Diagnostics)
        {
            if (d.Location.Line < 1 || d.Location.Column < 1 || d.Location.Line > lastLine)
                return $"diagnostic outside the file ({lastLine - 1} lines): {d}";
            if (d.Location.File != name) return $"diagnostic names another file: {d}";
            if (!Code().IsMatch(d.Code) || string.IsNullOrWhiteSpace(d.Message)) return $"malformed diagnostic: {d}";
            if ((d.Location.Line, d.Location.Column).CompareTo(previous) < 0) return $"diagnostics out of file order at: {d}";
            previous = (d.Location.Line, d.Location.Column);
        }

        if (result.Diagnostics.Count == 0 && result.Pipeline is null) return "no diagnostics and no pipeline";
        if (result.Diagnostics.Any(d => d.Severity == Severity.Error) && result.Pipeline is not null) return "errors, yet a pipeline";
        return null;
    }

    private static string MutateLines(Random random, List<string> lines, string other)
    {
        if (lines.Count == 0) lines.Add("");
        var at = random.Next(lines.Count);
        switch (random.Next(10))
        {
            case 0:
                lines.RemoveAt(at);
                return $"delete line {at + 1}";
            case 1:
                lines.Insert(at, lines[at]);
                return $"duplicate line {at + 1}";
            case 2:
                var with = random.Next(lines.Count);
                (lines[at], lines[with]) = (lines[with], lines[at]);
                return $"swap lines {at + 1} and {with + 1}";
            case 3 or 4 or 5:
                var token = random.Next(8) == 0 ? ((char)random.Next(1, 0xD7FF)).ToString() : Tokens[random.Next(Tokens.Length)];
                var column = random.Next(lines[at].Length + 1);
                lines[at] = lines[at].Insert(column, token);
                return $"insert {Escape(token)} at {at + 1}:{column + 1}";
            case 6:
                var indent = lines[at].Length - lines[at].TrimStart(' ').Length;
                var change = random.Next(4) switch
                {
                    0 => "\t",
                    1 => new string(' ', random.Next(1, 5)),
                    _ => "",
                };
                var cut = Math.Min(indent, random.Next(1, 5));
                lines[at] = change + lines[at][(change.Length == 0 ? cut : 0)..];
                return $"re-indent line {at + 1}";
            case 7:
                var keep = random.Next(lines.Count);
                var length = random.Next(lines[keep].Length + 1);
                lines[keep] = lines[keep][..length];
                lines.RemoveRange(keep + 1, lines.Count - keep - 1);
                return $"truncate at {keep + 1}:{length + 1}";
            case 8:
                var source = other.Split('\n');
                var from = random.Next(source.Length);
                var count = Math.Min(source.Length - from, 1 + random.Next(4));
                lines.InsertRange(at, source.Skip(from).Take(count));
                return $"splice {count} lines at {at + 1}";
            default:
                var words = lines[at].Split(' ');
                var word = random.Next(words.Length);
                words[word] = random.Next(3) switch
                {
                    0 => "${{ steps.nope.outputs.x }}",
                    1 => "*a",
                    _ => "&a " + words[word],
                };
                lines[at] = string.Join(' ', words);
                return $"replace a word on line {at + 1}";
        }
    }

    private static string FlipBytes(Random random, ref byte[] content)
    {
        if (content.Length == 0) return "flip nothing";
        var flips = 1 + random.Next(4);
        for (var i = 0; i < flips; i++)
        {
            content[random.Next(content.Length)] ^= (byte)(1 << random.Next(8));
        }

        return $"flip {flips} bits";
    }

    /// <summary>Lines as YAML counts them: CR LF, CR, LF, NEL, LS and PS all end a line.</summary>
    private static int LineCount(string text)
    {
        var breaks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\r':
                    breaks++;
                    if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                    break;
                case '\n' or '\u0085' or '\u2028' or '\u2029':
                    breaks++;
                    break;
            }
        }

        return breaks + 1;
    }

    private static string Escape(string token) =>
        string.Concat(token.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString()));

    private static string Preview(byte[] content)
    {
        var text = Encoding.UTF8.GetString(content);
        return Escape(text.Length > 3000 ? text[..3000] : text).Replace("\\u000A", "\n", StringComparison.Ordinal);
    }
}
