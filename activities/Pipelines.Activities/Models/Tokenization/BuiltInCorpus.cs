namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// A few kilobytes of plain English written for this project (mail-like: headers, replies, lists, offers), from which
/// <c>pipelines model init</c> learns its tokenizer's merges when no <c>--corpus</c> is given. Nothing here is copied
/// from a data set; it only has to contain the common words, spaces, digits and punctuation of mail.
/// </summary>
internal static class BuiltInCorpus
{
    public const string Text = """
        From: Alice Martin <alice@example.org>
        To: dev-team@example.org
        Subject: Re: notes from the Monday meeting
        Date: Mon, 12 Aug 2002 09:14:03 +0100

        Hi all,

        Thanks for coming to the meeting this morning. Here are the notes, as promised. Please reply to this mail if
        I missed something or got a detail wrong.

        1. The new build server is running. It takes about ten minutes to build the whole project, which is much
           better than the forty minutes we had last month.
        2. Bob will look at the test that fails on Fridays. We think it depends on the time zone of the machine.
        3. The release is planned for the end of next week. If you have changes that should go in, merge them by
           Wednesday evening, and tell me which ones they are.
        4. We still need someone to write the documentation for the command line. Any volunteers?

        The next meeting is on Thursday at 10:30 in the small room on the second floor. I will bring coffee.

        Best regards,
        Alice

        > On Fri, 9 Aug 2002, Bob Smith wrote:
        > Can we talk about the release date on Monday? I think we need one more week for the tests, and the
        > installer still has a problem on older machines.

        ----------------------------------------------------------------------

        From: Bob Smith <bob@example.org>
        To: Alice Martin <alice@example.org>
        Subject: Re: Re: notes from the Monday meeting

        Alice, thanks for the notes. I found the problem with the Friday test: it reads the date of the week and
        the machine was set to a different time zone. I have a patch that fixes it. It is a small change, only
        three lines, and I have run the tests twice. Could you review it before the release?

        Also, I can write the first part of the documentation if nobody else wants to. I will start with the
        commands people use every day: build, test, run and install.

        Cheers,
        Bob

        ----------------------------------------------------------------------

        From: "Online Pharmacy" <offers@cheap-meds.example.com>
        To: friend@example.net
        Subject: LOWEST PRICES on all your needs!!! Limited time offer

        Dear friend,

        Are you paying too much? Save up to 80% today! We offer the best prices on the internet, with free shipping
        to your door. No questions asked, no prescription needed. Order now and get a FREE gift with your first
        order!!!

        CLICK HERE to see our amazing offers: http://www.cheap-meds.example.com/special-offer

        This offer expires at midnight. Don't miss your chance to save money. Act now! Thousands of happy customers
        have already ordered. You will not find a better deal anywhere else.

        To be removed from our mailing list, reply with REMOVE in the subject line.

        ----------------------------------------------------------------------

        From: Carol White <carol@lists.example.org>
        To: users@lists.example.org
        Subject: [users] How do I configure the mail filter?

        Hello everyone,

        I have just installed the new version of the mail filter and I am trying to set it up for my small office.
        We receive about two hundred messages a day, and maybe half of them are spam. The filter catches most of
        them, but some good messages from our customers end up in the spam folder, which is a real problem for us.

        Is there a way to tell the filter that all mail from one domain is good? I read the manual but could not
        find the right option. I am using the default settings on a Linux server.

        Any help would be appreciated.

        Thanks,
        Carol

        --
        Carol White, office manager
        Phone: 555-0142

        ----------------------------------------------------------------------

        From: David Lee <dlee@example.com>
        To: users@lists.example.org
        Subject: Re: [users] How do I configure the mail filter?

        Carol,

        Yes, you can add a white list. Open the configuration file in your home directory and add a line like this
        for each domain you trust:

            whitelist_from *@your-customer.example.com

        Then restart the filter. You should also train it with a few hundred good and bad messages, because the
        default rules are only a starting point. After training, the number of false positives usually drops a lot.

        Hope this helps,
        David

        ----------------------------------------------------------------------

        From: "Investment Team" <winner@lottery-news.example.biz>
        To: undisclosed-recipients
        Subject: Congratulations! You have been selected

        CONGRATULATIONS!!!

        Your email address has been selected in our international draw and you have won the sum of $1,500,000.00
        (one million five hundred thousand dollars). To claim your prize, send us your full name, address, phone
        number and bank account details. A processing fee of $250 must be paid before the money can be released.

        This is 100% legal and risk free. Reply within 48 hours or your prize will be given to another winner.
        Keep this message confidential until your claim has been processed.

        Yours sincerely,
        Mr. James Brown, Director of Payments

        ----------------------------------------------------------------------

        From: Emma Clark <emma@example.org>
        To: family@example.org
        Subject: Pictures from the weekend

        Hi everyone,

        We had a lovely time at the lake on Saturday. The weather was perfect, the children swam all afternoon and
        we had dinner outside until it got dark. I have put the pictures on the shared folder, so have a look when
        you have a minute. There are about sixty of them, sorry, I could not decide which ones to keep!

        Mum, thank you for the cake. It was gone in ten minutes.

        Let's do it again next month. Does the 14th work for you?

        Love,
        Emma

        ----------------------------------------------------------------------

        From: Frank Miller <frank@example.net>
        To: support@example.com
        Subject: Order 20417 has not arrived

        Hello,

        I ordered a new keyboard from your web site on the 3rd of September (order number 20417) and it still has
        not arrived. The tracking page says the package left your warehouse eight days ago. Could you please check
        what happened and let me know when I can expect it? If it is lost, I would like a refund or a replacement.

        Thank you,
        Frank Miller

        ----------------------------------------------------------------------

        From: Support <support@example.com>
        To: Frank Miller <frank@example.net>
        Subject: Re: Order 20417 has not arrived

        Dear Mr. Miller,

        Thank you for your message and sorry for the delay. We checked with the delivery company: your package was
        sent to the wrong address because of a mistake in our system. We have sent a new keyboard today by express
        delivery, at no cost to you, and it should arrive within two working days. You do not need to return the
        first one if it reaches you later.

        Kind regards,
        The Support Team

        ----------------------------------------------------------------------

        From: "Work From Home" <jobs@easy-money.example.info>
        To: you@example.net
        Subject: Earn $5000 a week from home - no experience required

        Are you tired of your boring job? Would you like to be your own boss? Our proven system lets you earn
        thousands of dollars every week, working only a few hours a day from the comfort of your home.

        * No experience needed
        * No selling, no meetings
        * Get paid every Friday

        Join today for only $49.95 and start earning tomorrow. Satisfaction guaranteed or your money back!
        Visit http://easy-money.example.info/start now. Spaces are limited!

        ----------------------------------------------------------------------

        From: Grace Hall <grace@example.edu>
        To: Henry Adams <henry@example.edu>
        Subject: Draft of the report

        Henry,

        I attached the draft of the report for the committee. The first two sections are finished; the third one
        still needs the numbers from last year, which I hope to get from the office tomorrow. Could you read the
        introduction and tell me whether it is too long? I tried to keep it under two pages.

        We should send the final version by the 30th. If you have time on Tuesday afternoon, we could go through
        it together.

        Thanks,
        Grace

        > Henry Adams wrote:
        > Do you have a first version I can read? I would like to check the figures before we send it.
        """;
}
