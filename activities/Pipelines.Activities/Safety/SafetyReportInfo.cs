namespace Pipelines.Activities.Safety;

/// <summary>What a safety report says it checked: whose outputs, on which data, with which list and threshold.</summary>
public sealed record SafetyReportInfo(string Subject, string Dataset, int DatasetRecords, int Seed, string WordList, double GroundingThreshold);
