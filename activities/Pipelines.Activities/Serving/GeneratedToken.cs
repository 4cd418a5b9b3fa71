namespace Pipelines.Activities.Serving;

/// <summary>
/// One streamed token: its id, the text it completes (empty while it holds part of a UTF-8 character or what may
/// begin a stop string; such text comes with a later token) and when it was chosen. A last entry with <see cref="Id"/>
/// -1 carries text held back until the request ended for another reason.
/// </summary>
public sealed record GeneratedToken(int Id, string TextDelta, DateTimeOffset At);
