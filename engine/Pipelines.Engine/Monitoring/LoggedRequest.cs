namespace Pipelines.Monitoring;

/// <summary>
/// One request a served model answered: what monitoring windows and <c>data.collect</c> read. Every request is
/// recorded with its figures; its <see cref="Prompt"/> and <see cref="Output"/> only when it was sampled
/// (<c>Serving:SampleRate</c>), and then with personal data redacted — unsampled, both are null.
/// </summary>
public sealed record LoggedRequest(
    string Id,
    string Model,
    string Name,
    string? Alias,
    int Version,
    string Variant,
    DateTimeOffset At,
    string? Prompt,
    string? Output,
    string FinishReason,
    int PromptTokens,
    int CompletionTokens,
    double LatencySeconds,
    double? TimeToFirstTokenSeconds,
    double? Rating = null,
    string? Comment = null,
    string? Correction = null);

/// <summary>
/// What a user said about an answer (<c>POST /v1/feedback</c>): a <see cref="Rating"/> from 0 (bad) to 1 (good), a
/// <see cref="Comment"/>, and a <see cref="Correction"/> — the answer they wanted (the subject line they sent instead),
/// which data.collect prefers to the model's own answer. Null fields leave what an earlier feedback gave.
/// </summary>
public sealed record Feedback(double? Rating, string? Comment, string? Correction);
