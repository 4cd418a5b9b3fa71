using System.Text;
using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

public sealed class MailParserTests
{
    private static IReadOnlyDictionary<string, string> Parse(string mail, Encoding? encoding = null)
    {
        var record = MailParser.ReadMessage(TestData.Mail(mail, encoding));
        Assert.True(record.Fields is not null, record.Failure);
        return record.Fields!;
    }

    [Fact]
    public void Plain_mail_gives_every_field()
    {
        var fields = Parse("""
            From alice@example.com  Thu Aug 22 12:36:23 2002
            From: Alice Example <alice@example.com>
            To: bob@example.org, Carol <carol@example.org>
            Subject: Re: [exmh] Re:  New sequences
             window
            Date: Thu, 22 Aug 2002 18:26:25 +0700
            List-Id: Discussion list for EXMH developers <exmh-workers.example.com>

            The new window works for me.
            """);

        Assert.Equal("New sequences window", fields["subject"]);
        Assert.Equal("Re: [exmh] Re: New sequences window", fields["raw_subject"]);
        Assert.Equal("Alice Example <alice@example.com>", fields["from"]);
        Assert.Equal("bob@example.org, Carol <carol@example.org>", fields["to"]);
        Assert.Equal("2002-08-22T18:26:25+07:00", fields["date"]);
        Assert.Equal("exmh-workers.example.com", fields["list"]);
        Assert.Equal("The new window works for me.", fields["body"]);
    }

    [Fact]
    public void Multipart_alternative_takes_the_plain_part_and_skips_attachments()
    {
        var fields = Parse("""
            From: a@example.com
            Subject: Report
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: multipart/alternative; boundary="inner"

            --inner
            Content-Type: text/plain; charset=us-ascii

            Plain text version.
            --inner
            Content-Type: text/html; charset=us-ascii

            <p>HTML version.</p>
            --inner--
            --outer
            Content-Type: text/plain; name="notes.txt"
            Content-Disposition: attachment; filename="notes.txt"

            Attached notes that are not the body.
            --outer--
            """);

        Assert.Equal("Plain text version.", fields["body"]);
    }

    [Fact]
    public void Html_only_mail_becomes_readable_text()
    {
        var fields = Parse("""
            From: a@example.com
            Subject: Offer
            Content-Type: text/html; charset=utf-8

            <html><head><title>Ignored title</title><style>p { color: red }</style></head>
            <body><script>alert("x")</script><h1>Big&nbsp;news</h1><p>Caf&eacute; &amp; bar,
               now   open.</p><ul><li>Coffee</li><li>Tea</li></ul>Line one<br>Line two</body></html>
            """);

        Assert.Equal("Big news\n\nCafé & bar, now open.\n\n- Coffee\n- Tea\n\nLine one\nLine two", fields["body"]);
    }

    [Fact]
    public void Quoted_printable_and_base64_bodies_are_decoded_from_their_charsets()
    {
        var quoted = Parse("""
            From: a@example.com
            Subject: =?iso-8859-1?q?Caf=E9_au_lait?=
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Un caf=E9 cr=E8me, s'il vous pla=EEt. Une ligne tr=
            =E8s longue.
            """);
        Assert.Equal("Café au lait", quoted["subject"]);
        Assert.Equal("Un café crème, s'il vous plaît. Une ligne très longue.", quoted["body"]);

        var text = "Привет, мир! Как дела?";
        var base64 = Parse($"""
            From: a@example.com
            Subject: =?koi8-r?b?{Convert.ToBase64String(Koi8R.GetBytes("Привет"))}?=
            Content-Type: text/plain; charset=koi8-r
            Content-Transfer-Encoding: base64

            {Convert.ToBase64String(Koi8R.GetBytes(text))}
            """);
        Assert.Equal("Привет", base64["subject"]);
        Assert.Equal(text, base64["body"]);
    }

    [Fact]
    public void Eight_bit_body_in_a_declared_charset_is_decoded()
    {
        var fields = Parse("""
            From: a@example.com
            Subject: Grüße
            Content-Type: text/plain; charset=windows-1252
            Content-Transfer-Encoding: 8bit

            Schöne Grüße – bis bald.
            """, Encoding.GetEncoding("windows-1252"));

        Assert.Equal("Schöne Grüße – bis bald.", fields["body"]);
    }

    [Fact]
    public void Quoted_replies_attributions_and_signatures_are_stripped()
    {
        var fields = Parse("""
            From: a@example.com
            Subject: Re: lunch

            On Thu, 22 Aug 2002, Robert Elz
            <kre@example.com> wrote:
            > Shall we have lunch at noon?
            > > Or later?

            Noon is fine, see you there.

            Also bring the notes.

            --
            Alice Example | Example Corp
            +1 555 123 4567
            """);

        Assert.Equal("Noon is fine, see you there.\n\nAlso bring the notes.", fields["body"]);
    }

    [Fact]
    public void Outlook_original_message_and_list_footers_are_cut()
    {
        var fields = Parse("""
            From: a@example.com
            Subject: RE: build

            It builds now, thanks.

            _______________________________________________
            Exmh-workers mailing list
            Exmh-workers@example.com
            https://listman.example.com/mailman/listinfo/exmh-workers

            -----Original Message-----
            From: Bob
            Sent: Monday
            Does it build?
            """);

        Assert.Equal("It builds now, thanks.", fields["body"]);
        Assert.Equal("build", fields["subject"]);
    }

    [Fact]
    public void A_real_koi8_r_spam_reads_as_text()
    {
        var record = MailParser.ReadMessage(File.ReadAllBytes(TestData.Sample("spam-1/00230.214f8d9a756aee75e292056c1f65a005.txt")));

        Assert.StartsWith("Targeted email marketing works!", record.Fields!["body"], StringComparison.Ordinal);
        Assert.Contains("This is a one time message", record.Fields["body"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_base64_spam_is_decoded()
    {
        var record = MailParser.ReadMessage(File.ReadAllBytes(TestData.Sample("spam-1/00472.713268dfca421e165c1ac59bab045e00.txt")));

        Assert.StartsWith("Get access to the largest free adult site on the net.", record.Fields!["body"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_reply_keeps_only_what_its_author_wrote()
    {
        var record = MailParser.ReadMessage(File.ReadAllBytes(TestData.Sample("easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.txt")));
        var body = record.Fields!["body"];

        Assert.Equal("New Sequences Window", record.Fields["subject"]);
        Assert.DoesNotContain(body.Split('\n'), line => line.TrimStart().StartsWith('>'));
        Assert.DoesNotContain("wrote:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("mailing list", body, StringComparison.Ordinal);
        Assert.StartsWith("Date:", body.TrimStart(), StringComparison.Ordinal); // the attribution block kre writes is his own text
        Assert.Contains("For me it is very repeatable", body, StringComparison.Ordinal);
        Assert.EndsWith("(local routing issue I think).", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_multipart_and_html_only_mails_give_text_without_markup()
    {
        foreach (var file in new[] { "easy-ham-1/01712.c20d5899b4b27415389a10cd4f400019.txt", "spam-2/00817.446795af3e79a13e7c3aa784573bcaa0.txt", "spam-2/01386.9398d616dfc3d67fb10e95d911768b39.txt" })
        {
            var record = MailParser.ReadMessage(File.ReadAllBytes(TestData.Sample(file)));
            var body = record.Fields!["body"];

            Assert.True(body.Length > 40, $"{file}: {body}");
            Assert.DoesNotContain("<p>", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("=20", body, StringComparison.Ordinal);
            Assert.DoesNotContain("&nbsp;", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mbox_files_hold_many_messages()
    {
        var mbox = TestData.Mail("""
            From a@example.com Mon Jan  1 00:00:00 2002
            From: a@example.com
            Subject: one

            First.

            From b@example.com Mon Jan  1 00:00:00 2002
            From: b@example.com
            Subject: two

            Second.
            """);

        var records = MailParser.ReadMbox(new MemoryStream(mbox), CancellationToken.None).ToList();

        Assert.Equal(["one", "two"], records.Select(r => r.Fields!["subject"]));
        Assert.Equal([1, 2], records.Select(r => r.Number));
    }

    private static Encoding Koi8R => Encoding.GetEncoding("koi8-r");

    static MailParserTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}
