namespace Pipelines.Activities.Data;

/// <summary>Where an install is: a stage (download, extract, verify, install), files done of a total when known, and a message.</summary>
public sealed record CorpusProgress(string Stage, int Done, int Total, string Message);
