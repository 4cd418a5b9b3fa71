using System.Text;
using MimeKit.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// The readable text of an HTML body, as a mail reader would show it: scripts, styles and the head dropped, block
/// elements on lines of their own, list items as "- ", whitespace collapsed as HTML collapses it, character references
/// decoded, quoted replies (<c>&lt;blockquote type="cite"&gt;</c>) left out.
/// </summary>
internal static class HtmlText
{
    public static string ToText(string html)
    {
        var text = new StringBuilder(html.Length / 2);
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true, IgnoreTruncatedTags = true };
        var hidden = 0; // depth inside elements whose content is not shown
        var hiddenStack = new Stack<HtmlTagId>();
        var pendingSpace = false;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when IsHidden(tag):
                    if (tag.IsEmptyElement) break;
                    if (!tag.IsEndTag)
                    {
                        hidden++;
                        hiddenStack.Push(tag.Id);
                    }
                    else if (hiddenStack.Contains(tag.Id))
                    {
                        while (hiddenStack.Count > 0 && hiddenStack.Pop() != tag.Id) hidden--;
                        hidden--;
                    }

                    break;
                case HtmlTagToken tag when hidden == 0:
                    if (tag.Id == HtmlTagId.Br) Break(text, 1, always: true);
                    else if (IsLine(tag.Id)) Break(text, 1);
                    else if (IsBlock(tag.Id)) Break(text, 2);
                    if (tag.Id == HtmlTagId.Br || IsLine(tag.Id) || IsBlock(tag.Id)) pendingSpace = false;

                    if (tag.Id == HtmlTagId.LI && !tag.IsEndTag) text.Append("- ");
                    else if (tag.Id is HtmlTagId.TD or HtmlTagId.TH && !tag.IsEndTag) pendingSpace = true;
                    break;
                case HtmlDataToken data when hidden == 0 && token.Kind == HtmlTokenKind.Data:
                    foreach (var c in data.Data)
                    {
                        if (char.IsWhiteSpace(c) && c != '\u00a0')
                        {
                            pendingSpace = true;
                            continue;
                        }

                        if (pendingSpace && text.Length > 0 && text[^1] is not ('\n' or ' ')) text.Append(' ');
                        pendingSpace = false;
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private static bool IsHidden(HtmlTagToken tag) =>
        tag.Id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title or HtmlTagId.NoScript
        || tag.Id == HtmlTagId.BlockQuote && (tag.IsEndTag || tag.Attributes.Any(a => a.Id == HtmlAttributeId.Type && string.Equals(a.Value, "cite", StringComparison.OrdinalIgnoreCase)));

    // Elements that start a line of their own.
    private static bool IsLine(HtmlTagId id) => id is HtmlTagId.LI or HtmlTagId.TR or HtmlTagId.Div or HtmlTagId.DT or HtmlTagId.DD or HtmlTagId.Center
        or HtmlTagId.Form or HtmlTagId.Address;

    // Elements set apart by a blank line.
    private static bool IsBlock(HtmlTagId id) => id is HtmlTagId.P or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.DL or HtmlTagId.Table
        or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6 or HtmlTagId.HR
        or HtmlTagId.BlockQuote or HtmlTagId.Pre or HtmlTagId.Body;

    /// <summary>Ends the current line so that <paramref name="newlines"/> line breaks precede what comes next; a br always adds one.</summary>
    private static void Break(StringBuilder text, int newlines, bool always = false)
    {
        while (text.Length > 0 && text[^1] == ' ') text.Length--;
        if (text.Length == 0) return;
        if (always)
        {
            text.Append('\n');
            return;
        }

        var trailing = 0;
        while (trailing < text.Length && text[text.Length - 1 - trailing] == '\n') trailing++;
        if (trailing < newlines) text.Append('\n', newlines - trailing);
    }
}
