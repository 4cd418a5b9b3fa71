using Quartz;

namespace Pipelines.Definitions;

/// <summary>Schedules use Quartz cron syntax (seconds first), checked with Quartz itself so validation and firing agree.</summary>
public static class CronSchedule
{
    public const string Help = "Quartz cron has 6 or 7 fields: seconds minutes hours day-of-month month day-of-week [year], " +
                               "with '?' in one of the day fields, e.g. \"0 0 3 ? * SUN\" (Sundays at 03:00)";

    /// <summary>Null when valid, otherwise why not.</summary>
    public static string? Validate(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return "it is empty";
        if (expression.Length > 256) return "it is too long";
        try
        {
            _ = CronExpression.Parse(expression);
            return null;
        }
        catch (FormatException e)
        {
            // Quartz explains at length; the first sentence says what is wrong, our hint says what to write.
            var first = e.Message.Split(". ", 2)[0].TrimEnd('.');
            return Lowercase(first.Replace($"Cron expression '{expression}' ", "it ", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return "it is not a valid Quartz cron expression";
        }
    }

    private static string Lowercase(string s) => s.Length > 1 && char.IsUpper(s[0]) && !char.IsUpper(s[1]) ? char.ToLowerInvariant(s[0]) + s[1..] : s;
}
