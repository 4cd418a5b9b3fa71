using System.Text;
using Pipelines.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pipelines.Yaml;

/// <summary>
/// Reads one YAML document into located nodes. It drives YamlDotNet's event parser itself instead of loading the
/// representation model, because the model recurses (a deeply nested document overflows the stack), stops at the
/// first duplicate key, and expands nothing lazily. Here depth, node count and alias expansion are counted as the
/// events stream in, every duplicate key is reported, and nothing is ever thrown at the caller.
/// </summary>
public static class YamlReader
{
    public static Node? Read(string file, byte[] content, DiagnosticBag diagnostics, YamlLimits? limits = null) =>
        Decode(file, content, diagnostics, limits) is { } text ? Read(file, text, diagnostics, limits) : null;

    /// <summary>The file's text (UTF-8, without a byte-order mark), or null with a diagnostic when it is too large or not text.</summary>
    public static string? Decode(string file, byte[] content, DiagnosticBag diagnostics, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        if (content.Length > limits.MaxBytes)
        {
            // Files are read only up to one byte past the limit, so the real size is not known here.
            diagnostics.Error(DiagnosticCodes.FileTooLarge, new SourceLocation(file, 1, 1),
                $"the file is larger than {Size(limits.MaxBytes)}, the most a pipeline may be",
                "keep large data (prompts, samples) in dataset files and refer to them by path");
            return null;
        }

        return TryDecode(file, content, diagnostics, out var text) ? text : null;
    }

    public static Node? Read(string file, string text, DiagnosticBag diagnostics, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        if (text.Length > limits.MaxBytes)
        {
            diagnostics.Error(DiagnosticCodes.FileTooLarge, new SourceLocation(file, 1, 1),
                $"the document has {text.Length:N0} characters; a pipeline may be at most {Size(limits.MaxBytes)}",
                "keep large data (prompts, samples) in dataset files and refer to them by path");
            return null;
        }

        if (!IsText(file, text, diagnostics))
        {
            return null;
        }

        if (!HasContent(text))
        {
            diagnostics.Error(DiagnosticCodes.EmptyFile, new SourceLocation(file, 1, 1),
                "the file is empty", "start from a file in pipelines/, e.g. pipelines/hello.yaml");
            return null;
        }

        if (FlowNestingBeyond(text, limits.MaxDepth) is { } deepAt)
        {
            // YamlDotNet's scanner is quadratic in flow nesting ("[[[[..."); refuse before it starts.
            diagnostics.Error(DiagnosticCodes.NestingTooDeep, LocationIn(file, text, deepAt),
                $"the document nests deeper than {limits.MaxDepth} levels", "flatten the structure");
            return null;
        }

        var builder = new TreeBuilder(file, text, diagnostics, limits);
        try
        {
            return builder.Build(new Parser(new StringReader(text)));
        }
        catch (YamlException e)
        {
            ReportSyntaxError(file, text, e.Message, (int)e.Start.Line, (int)e.Start.Column, builder, diagnostics, (int)Math.Clamp(e.Start.Index, 0, text.Length));
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unclosed flow mapping).
            var at = builder.LastPosition;
            ReportSyntaxError(file, text, "the document ends or breaks off unexpectedly", at.Line, at.Column, builder, diagnostics);
            return null;
        }
    }

    /// <summary>
    /// The offset where brackets outside comments nest deeper than <paramref name="maxDepth"/>, if they do. Brackets in
    /// text count too, so this over-counts; it only guards against absurd depths, and nothing can hide brackets from it.
    /// </summary>
    private static int? FlowNestingBeyond(string text, int maxDepth)
    {
        var depth = 0;
        var comment = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (comment)
            {
                comment = LineBreaks.At(text, i) == 0;
                continue;
            }

            switch (c)
            {
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]):
                    comment = true;
                    break;
                case '[' or '{':
                    if (++depth > maxDepth) return i;
                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }

        return null;
    }

    /// <summary>Whether any line holds more than blanks, a comment or a document marker (<c>---</c>, <c>...</c>); stops at the first that does.</summary>
    private static bool HasContent(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (trimmed.IsEmpty || trimmed[0] == '#' || trimmed is "---" or "...") continue;
            return true;
        }

        return false;
    }

    private static bool TryDecode(string file, byte[] content, DiagnosticBag diagnostics, out string text)
    {
        var span = content.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[3..];
        }

        var status = System.Text.Unicode.Utf8.ToUtf16(span, new char[span.Length], out var read, out _, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            var prefix = Encoding.UTF8.GetString(span[..read]);
            diagnostics.Error(DiagnosticCodes.NotText, LocationIn(file, prefix, prefix.Length),
                $"the file is not UTF-8 text (invalid byte 0x{span[read]:X2})",
                "pipeline files must be UTF-8 YAML; is this the right file?");
            text = "";
            return false;
        }

        text = Encoding.UTF8.GetString(span);
        return true;
    }

    private static bool IsText(string file, string text, DiagnosticBag diagnostics)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' && c is not ('\t' or '\n' or '\r') || c is '\uFFFE' or '\uFFFF')
            {
                diagnostics.Error(DiagnosticCodes.NotText, LocationIn(file, text, i),
                    $"the file contains a control character (U+{(int)c:X4}); it looks like binary data, not YAML",
                    "pipeline files must be UTF-8 YAML; is this the right file?");
                return false;
            }
        }

        return true;
    }

    /// <param name="offset">Where the parser failed in <paramref name="text"/>, when it says.</param>
    private static void ReportSyntaxError(string file, string text, string message, int line, int column, TreeBuilder builder, DiagnosticBag diagnostics,
        int? offset = null)
    {
        var lines = LineBreaks.Split(text);
        var errorLine = Math.Clamp(line, 1, lines.Count);
        column = Math.Clamp(column, 1, lines[errorLine - 1].Length + 1); // at most just past the line's last character

        // A tab in indentation is the commonest cause; point at every such line up to the failure (or anywhere, when
        // the parser says so itself and gives no useful position).
        var mentionsTab = message.Contains("tab", StringComparison.OrdinalIgnoreCase);
        var tabs = 0;
        for (var i = 0; i < (mentionsTab ? lines.Count : errorLine); i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                tabs++;
                diagnostics.Error(DiagnosticCodes.TabIndentation, new SourceLocation(file, i + 1, tab + 1),
                    "tab character in indentation", "YAML indents with spaces only; replace the tab with spaces");
            }
        }

        if (tabs > 0)
        {
            return;
        }

        message = message.TrimEnd('.');
        string? hint = null;
        if (builder.OpenFlow is not null && offset is { } at && UnquotedFlowExpression.Hint(text, at) is { } quoting)
        {
            hint = quoting;
        }
        else if (builder.OpenFlow is { } open)
        {
            hint = $"the '{open.Bracket}' opened at line {open.At.Line}, column {open.At.Column} is not closed";
        }
        else if (message.Contains("quoted scalar", StringComparison.OrdinalIgnoreCase))
        {
            hint = "a quoted value that starts here is not closed; add the closing quote";
        }
        else if (message.Contains("block mapping", StringComparison.OrdinalIgnoreCase)
                 || message.Contains("not allowed in this context", StringComparison.OrdinalIgnoreCase)
                 || message.Contains("did not find expected", StringComparison.OrdinalIgnoreCase)
                 || message.Contains("indentation", StringComparison.OrdinalIgnoreCase))
        {
            hint = "check the indentation of this line against the lines above it";
        }

        diagnostics.Error(DiagnosticCodes.YamlSyntax, new SourceLocation(file, errorLine, column),
            $"invalid YAML: {Lowercase(message)}", hint);
    }

    private static string Size(int bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes:N0} bytes";

    private static string Lowercase(string s) => s.Length > 0 && char.IsUpper(s[0]) && (s.Length == 1 || !char.IsUpper(s[1])) ? char.ToLowerInvariant(s[0]) + s[1..] : s;

    private static SourceLocation LocationIn(string file, string text, int offset)
    {
        var (line, column) = LineBreaks.Position(text, offset);
        return new SourceLocation(file, line, column);
    }

    /// <summary>Builds nodes from parser events with an explicit stack: depth is bounded by the limit, not the CLR stack.</summary>
    private sealed class TreeBuilder(string file, string text, DiagnosticBag diagnostics, YamlLimits limits)
    {
        public (int Line, int Column) LastPosition { get; private set; } = (1, 1);

        /// <summary>The innermost flow collection (<c>{</c> or <c>[</c>) still open, for "not closed" hints.</summary>
        public (char Bracket, SourceLocation At)? OpenFlow =>
            _stack.FirstOrDefault(f => f.IsFlow) is { } frame ? (frame.IsMapping ? '{' : '[', Loc(frame.Start.Start)) : null;

        private readonly Dictionary<string, (Node Node, int Size)> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _stack = new();
        private int _nodes;
        private int _aliases;

        private sealed class Frame(ParsingEvent start, bool isMapping, string? anchor)
        {
            public ParsingEvent Start { get; } = start;
            public bool IsMapping { get; } = isMapping;
            public bool IsFlow { get; } = start is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow };
            public string? Anchor { get; } = anchor;
            public List<Node> Children { get; } = [];
            public int Size { get; set; } = 1;
        }

        public Node? Build(IParser parser)
        {
            Node? root = null;
            var documents = 0;
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                LastPosition = ((int)Math.Max(1, current.End.Line), (int)Math.Max(1, current.End.Column));
                switch (current)
                {
                    case DocumentStart:
                        documents++;
                        if (documents > 1)
                        {
                            diagnostics.Error(DiagnosticCodes.MultipleDocuments, Loc(current.Start),
                                "the file holds more than one YAML document", "put each pipeline in a file of its own");
                            return null;
                        }

                        break;
                    case Scalar scalar:
                        if (!Count(scalar, 1)) return null;
                        var node = new ScalarNode(scalar.Value, scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty, Loc(scalar.Start), Loc(scalar.End))
                        {
                            Raw = scalar.Value.Contains("${{", StringComparison.Ordinal) ? RawText(scalar) : null,
                        };
                        Remember(scalar.Anchor, node, 1);
                        if (!Attach(node, 1, ref root)) return null;
                        break;
                    case AnchorAlias alias:
                        if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                        {
                            diagnostics.Error(DiagnosticCodes.YamlSyntax, Loc(alias.Start), $"unknown alias {DiagnosticText.Quote("*" + alias.Value.Value)}",
                                "define the anchor (&name) before using it");
                            return null;
                        }

                        if (++_aliases > limits.MaxAliases)
                        {
                            diagnostics.Error(DiagnosticCodes.AliasExpansion, Loc(alias.Start),
                                $"more than {limits.MaxAliases} aliases", "write the values out; pipelines need few aliases");
                            return null;
                        }

                        if (!Count(alias, anchored.Size)) return null;
                        if (!Attach(anchored.Node, anchored.Size, ref root)) return null;
                        break;
                    case MappingStart mapping:
                        if (!Open(mapping, true, mapping.Anchor)) return null;
                        break;
                    case SequenceStart sequence:
                        if (!Open(sequence, false, sequence.Anchor)) return null;
                        break;
                    case MappingEnd or SequenceEnd:
                        var frame = _stack.Pop();
                        var built = Close(frame, current);
                        if (frame.Anchor is not null) _anchors[frame.Anchor] = (built, frame.Size);
                        if (!Attach(built, frame.Size, ref root)) return null;
                        break;
                }
            }

            return root;
        }

        private bool Open(ParsingEvent start, bool isMapping, AnchorName anchor)
        {
            if (!Count(start, 1)) return false;
            if (_stack.Count >= limits.MaxDepth)
            {
                diagnostics.Error(DiagnosticCodes.NestingTooDeep, Loc(start.Start),
                    $"the document nests deeper than {limits.MaxDepth} levels", "flatten the structure");
                return false;
            }

            _stack.Push(new Frame(start, isMapping, anchor.IsEmpty ? null : anchor.Value));
            return true;
        }

        private Node Close(Frame frame, ParsingEvent end)
        {
            var startLocation = Loc(frame.Start.Start);
            var endLocation = Loc(end.End);
            if (!frame.IsMapping)
            {
                return new SequenceNode(frame.Children, startLocation, endLocation);
            }

            var entries = new List<MappingEntry>(frame.Children.Count / 2);
            // Most mappings have a handful of keys, where a look along the entries beats building a dictionary.
            var seen = frame.Children.Count > 16 ? new Dictionary<string, ScalarNode>(StringComparer.Ordinal) : null;
            for (var i = 0; i + 1 < frame.Children.Count; i += 2)
            {
                var keyNode = frame.Children[i];
                if (keyNode is not ScalarNode key)
                {
                    diagnostics.Error(DiagnosticCodes.WrongNodeType, keyNode.Start,
                        $"a key must be a plain name, not {keyNode.KindName}");
                    continue;
                }

                if ((seen is null ? Earlier(entries, key.Value) : seen.GetValueOrDefault(key.Value)) is { } first)
                {
                    diagnostics.Error(DiagnosticCodes.DuplicateKey, key.Start,
                        $"duplicate key {DiagnosticText.Quote(key.Value)} (first defined at line {first.Start.Line})",
                        "remove one of them or merge their contents");
                    continue;
                }

                seen?.Add(key.Value, key);
                entries.Add(new MappingEntry(key, frame.Children[i + 1]));
            }

            return new MappingNode(entries, startLocation, endLocation);
        }

        private static ScalarNode? Earlier(List<MappingEntry> entries, string key)
        {
            foreach (var entry in entries)
            {
                if (entry.Key.Value == key) return entry.Key;
            }

            return null;
        }

        private bool Attach(Node node, int size, ref Node? root)
        {
            if (_stack.Count == 0)
            {
                root = node;
                return true;
            }

            var parent = _stack.Peek();
            parent.Children.Add(node);
            parent.Size += size;
            return true;
        }

        private void Remember(AnchorName anchor, Node node, int size)
        {
            if (!anchor.IsEmpty) _anchors[anchor.Value] = (node, size);
        }

        private bool Count(ParsingEvent at, int size)
        {
            _nodes += size;
            if (_nodes <= limits.MaxNodes) return true;
            var aliasing = at is AnchorAlias;
            diagnostics.Error(aliasing ? DiagnosticCodes.AliasExpansion : DiagnosticCodes.TooManyNodes, Loc(at.Start),
                aliasing
                    ? $"alias expansion exceeds {limits.MaxNodes:N0} nodes (an alias bomb?)"
                    : $"the document has more than {limits.MaxNodes:N0} nodes",
                aliasing ? "write the values out instead of nesting aliases" : "keep large data in dataset files");
            return false;
        }

        private string RawText(Scalar scalar)
        {
            var from = (int)Math.Clamp(scalar.Start.Index, 0, text.Length);
            var to = (int)Math.Clamp(scalar.End.Index, from, text.Length);
            return text[from..to];
        }

        private SourceLocation Loc(Mark mark) => new(file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
    }
}
