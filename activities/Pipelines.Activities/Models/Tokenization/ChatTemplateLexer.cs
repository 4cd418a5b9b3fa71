using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Models.Tokenization;

internal enum ChatTemplateTokenKind
{
    Text,
    OutputStart,
    OutputEnd,
    StatementStart,
    StatementEnd,
    Name,
    String,
    Number,
    Operator,
}

/// <summary>One token of a chat template: template text, a tag's delimiter, or a piece of an expression; where it starts (1-based).</summary>
internal readonly record struct ChatTemplateToken(ChatTemplateTokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(ChatTemplateTokenKind kind, string value) => Kind == kind && Value == value;

    public override string ToString() => Kind switch
    {
        ChatTemplateTokenKind.Text => "template text",
        ChatTemplateTokenKind.OutputStart => "'{{'",
        ChatTemplateTokenKind.OutputEnd => "'}}'",
        ChatTemplateTokenKind.StatementStart => "'{%'",
        ChatTemplateTokenKind.StatementEnd => "'%}'",
        ChatTemplateTokenKind.String => "a string",
        _ => $"'{Value}'",
    };
}

/// <summary>
/// Splits a Jinja template into tokens the way Hugging Face's environment does: <c>trim_blocks</c> (the first newline
/// after a <c>{% %}</c> or <c>{# #}</c> tag is dropped), <c>lstrip_blocks</c> (spaces and tabs before such a tag at the
/// start of a line are dropped; <c>{%+</c> keeps them), <c>-</c> on either side of a tag strips all whitespace on that
/// side, line endings become <c>\n</c> and one trailing newline of the template is dropped. Comments vanish here.
/// </summary>
internal static class ChatTemplateLexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ".", ",", ":", "|"];

    public static List<ChatTemplateToken> Tokenize(string template)
    {
        var source = template.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (source.EndsWith('\n')) source = source[..^1];
        var lines = new LineMap(source);
        var tokens = new List<ChatTemplateToken>();
        var position = 0;
        var stripLeading = false; // the previous tag ended with '-'
        var trimNewline = false;  // the previous tag was a block or comment (trim_blocks)
        while (position < source.Length)
        {
            var tag = NextTag(source, position);
            var text = source[position..(tag < 0 ? source.Length : tag)];
            if (stripLeading) text = text.TrimStart();
            else if (trimNewline && text.StartsWith('\n')) text = text[1..];

            var kind = tag < 0 ? '\0' : source[tag + 1];
            var marker = tag + 2 < source.Length ? source[tag + 2] : '\0';
            if (tag >= 0 && marker == '-') text = text.TrimEnd();
            else if (kind is '%' or '#' && marker != '+' && StartsLine(source, tag)) text = text.TrimEnd(' ', '\t');
            if (text.Length > 0) tokens.Add(lines.Token(ChatTemplateTokenKind.Text, text, position));
            if (tag < 0) break;

            char closing;
            if (kind == '#')
            {
                var end = source.IndexOf("#}", tag + 2, StringComparison.Ordinal);
                if (end < 0) throw lines.Error("this comment is never closed ('#}')", tag);
                closing = source[end - 1];
                position = end + 2;
            }
            else
            {
                tokens.Add(lines.Token(kind == '{' ? ChatTemplateTokenKind.OutputStart : ChatTemplateTokenKind.StatementStart, kind == '{' ? "{{" : "{%", tag));
                position = Expression(source, tag + (marker is '-' or '+' ? 3 : 2), kind == '{' ? '}' : '%', tokens, lines, out closing);
            }

            stripLeading = closing == '-';
            trimNewline = kind is '%' or '#' && closing is not ('-' or '+');
        }

        return tokens;
    }

    /// <summary>Where the next <c>{{</c>, <c>{%</c> or <c>{#</c> starts, or -1.</summary>
    private static int NextTag(string source, int from)
    {
        for (var i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#') return i;
        }

        return -1;
    }

    /// <summary>Whether only spaces and tabs stand between the start of the tag's line and the tag (lstrip_blocks).</summary>
    private static bool StartsLine(string source, int tag)
    {
        var i = tag - 1;
        while (i >= 0 && source[i] is ' ' or '\t') i--;
        return i < 0 || source[i] == '\n';
    }

    /// <summary>Reads the tokens of one tag's expression up to its closing delimiter; returns the position after it.</summary>
    private static int Expression(string source, int position, char close, List<ChatTemplateToken> tokens, LineMap lines, out char closing)
    {
        var depth = 0; // braces of dict literals, so their '}}' does not end a '{{ }}' tag
        while (true)
        {
            while (position < source.Length && char.IsWhiteSpace(source[position])) position++;
            if (position >= source.Length) throw lines.Error(close == '}' ? "this '{{' is never closed ('}}')" : "this '{%' is never closed ('%}')", tokens.FindLast(t => t.Kind is ChatTemplateTokenKind.OutputStart or ChatTemplateTokenKind.StatementStart));

            var rest = source.AsSpan(position);
            var marker = rest[0] is '-' or '+' ? rest[0] : '\0';
            var after = marker == '\0' ? rest : rest[1..];
            if (depth == 0 && after.Length >= 2 && after[0] == close && after[1] == '}' && (marker != '+' || close == '%'))
            {
                tokens.Add(lines.Token(close == '}' ? ChatTemplateTokenKind.OutputEnd : ChatTemplateTokenKind.StatementEnd, close == '}' ? "}}" : "%}", position));
                closing = marker;
                return position + (marker == '\0' ? 2 : 3);
            }

            var c = source[position];
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var end = position;
                while (end < source.Length && (char.IsAsciiLetterOrDigit(source[end]) || source[end] == '_')) end++;
                tokens.Add(lines.Token(ChatTemplateTokenKind.Name, source[position..end], position));
                position = end;
            }
            else if (char.IsAsciiDigit(c))
            {
                var end = position;
                while (end < source.Length && char.IsAsciiDigit(source[end])) end++;
                if (end + 1 < source.Length && source[end] == '.' && char.IsAsciiDigit(source[end + 1]))
                {
                    end++;
                    while (end < source.Length && char.IsAsciiDigit(source[end])) end++;
                }

                var exponent = end + 1 < source.Length && source[end] is 'e' or 'E' ? end + 1 : -1;
                if (exponent > 0 && source[exponent] is '+' or '-') exponent++;
                if (exponent > 0 && exponent < source.Length && char.IsAsciiDigit(source[exponent]))
                {
                    end = exponent;
                    while (end < source.Length && char.IsAsciiDigit(source[end])) end++;
                }

                tokens.Add(lines.Token(ChatTemplateTokenKind.Number, source[position..end], position));
                position = end;
            }
            else if (c is '\'' or '"')
            {
                var start = position;
                var text = StringLiteral(source, ref position, lines);
                tokens.Add(lines.Token(ChatTemplateTokenKind.String, text, start));
            }
            else
            {
                var op = Operators.FirstOrDefault(o => source.AsSpan(position).StartsWith(o, StringComparison.Ordinal))
                    ?? throw lines.Error($"unexpected character '{c}'", position);
                if (op == "{") depth++;
                if (op == "}") depth = Math.Max(0, depth - 1);
                tokens.Add(lines.Token(ChatTemplateTokenKind.Operator, op, position));
                position += op.Length;
            }
        }
    }

    /// <summary>A quoted string with Python's escapes (<c>\n</c>, <c>\t</c>, <c>\'</c>, <c>\uXXXX</c>, ...).</summary>
    private static string StringLiteral(string source, ref int position, LineMap lines)
    {
        var start = position;
        var quote = source[position++];
        var text = new StringBuilder();
        while (position < source.Length && source[position] != quote)
        {
            var c = source[position++];
            if (c != '\\' || position >= source.Length)
            {
                text.Append(c);
                continue;
            }

            var e = source[position++];
            switch (e)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case '0': text.Append('\0'); break;
                case 'x' or 'u' when position + (e == 'x' ? 2 : 4) <= source.Length
                    && int.TryParse(source.AsSpan(position, e == 'x' ? 2 : 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    text.Append((char)code);
                    position += e == 'x' ? 2 : 4;
                    break;
                case '\\' or '\'' or '"': text.Append(e); break;
                case '\n': break;
                default: text.Append('\\').Append(e); break;
            }
        }

        if (position >= source.Length) throw lines.Error("this string is never closed", start);
        position++;
        return text.ToString();
    }

    /// <summary>Turns offsets into 1-based lines and columns.</summary>
    private sealed class LineMap(string source)
    {
        private readonly int[] _starts = [0, .. source.Select((c, i) => (c, i)).Where(p => p.c == '\n').Select(p => p.i + 1)];

        public ChatTemplateToken Token(ChatTemplateTokenKind kind, string value, int offset)
        {
            var line = Array.BinarySearch(_starts, offset);
            if (line < 0) line = ~line - 1;
            return new ChatTemplateToken(kind, value, line + 1, offset - _starts[line] + 1);
        }

        public ChatTemplateException Error(string reason, int offset)
        {
            var at = Token(ChatTemplateTokenKind.Text, "", offset);
            return new ChatTemplateException(reason, at.Line, at.Column);
        }

        public ChatTemplateException Error(string reason, ChatTemplateToken at) => new(reason, at.Line, at.Column);
    }
}
