namespace Pipelines.Activities.Selection;

/// <summary>How fast a model generated, as medians over the timed prompts: time to the first token, time per later token, new tokens per second; and how many tokens were timed.</summary>
public sealed record SpeedMeasurement(double FirstTokenMs, double PerTokenMs, double TokensPerSecond, int Tokens);
