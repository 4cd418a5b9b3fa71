namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// One served request as quality monitoring sees it: the output, why it ended, how many tokens it had, and the user's
/// feedback rating when one came (<c>POST /v1/feedback</c>).
/// </summary>
public sealed record ServedExchange(string Output, FinishReason FinishReason, int OutputTokens, double? Rating = null);
