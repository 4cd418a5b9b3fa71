namespace Pipelines.Diagnostics;

/// <summary>
/// Every code a pipeline file can be rejected with. Codes are stable: tools and docs refer to them.
/// PL1xxx: the file and its YAML; PL2xxx: the shape of the document; PL3xxx: steps and activities;
/// PL4xxx: expressions and references; PL5xxx: schedules, durations and retry policies.
/// </summary>
public static class DiagnosticCodes
{
    public const string EmptyFile = "PL1001";
    public const string FileTooLarge = "PL1002";
    public const string NotText = "PL1003";
    public const string TabIndentation = "PL1004";
    public const string YamlSyntax = "PL1005";
    public const string DuplicateKey = "PL1006";
    public const string NestingTooDeep = "PL1007";
    public const string AliasExpansion = "PL1008";
    public const string TooManyNodes = "PL1009";
    public const string MultipleDocuments = "PL1010";
    public const string UnreadableFile = "PL1011";

    public const string UnknownKey = "PL2001";
    public const string WrongNodeType = "PL2002";
    public const string MissingField = "PL2003";
    public const string InvalidValue = "PL2004";
    public const string InvalidName = "PL2005";
    public const string InvalidParam = "PL2006";

    public const string UnknownActivity = "PL3001";
    public const string UnknownActivityVersion = "PL3002";
    public const string MissingInput = "PL3003";
    public const string UnknownInput = "PL3004";
    public const string WrongInputType = "PL3005";
    public const string InputOutOfRange = "PL3006";
    public const string InvalidUses = "PL3007";
    public const string InvalidMatrix = "PL3008";

    public const string ExpressionSyntax = "PL4001";
    public const string UnknownStep = "PL4002";
    public const string UnknownParam = "PL4003";
    public const string UnknownMatrixKey = "PL4004";
    public const string UnknownName = "PL4005";
    public const string UnknownOutput = "PL4006";
    public const string Cycle = "PL4007";
    public const string ExpressionNotAllowed = "PL4008";

    public const string InvalidCron = "PL5001";
    public const string InvalidTimeZone = "PL5002";
    public const string InvalidDuration = "PL5003";
    public const string InvalidRetry = "PL5004";
}
