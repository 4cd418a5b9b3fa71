using System.Net;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

public sealed class ScheduleTests
{
    private const string Nightly = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: nightly
        params:
          who: { type: string, default: world }
        triggers:
          - schedule: "0 0 3 ? * SUN"
            timezone: Europe/Paris
            params: { who: cron }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: Hello, ${{ params.who }}!
        """;

    [Fact]
    public async Task Schedules_list_a_published_trigger_with_its_next_fire_times()
    {
        await using var server = await TestServer.StartAsync();
        using (var published = await server.PublishAsync(Nightly)) Assert.Equal(HttpStatusCode.Created, published.StatusCode);

        using var response = await server.Client.GetAsync("/api/schedules");
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schedule = Assert.Single(body["schedules"]!.AsArray())!;
        Assert.Equal("nightly", schedule["pipeline"]!.GetValue<string>());
        Assert.Equal(1, schedule["version"]!.GetValue<int>());
        Assert.Equal(0, schedule["trigger"]!.GetValue<int>());
        Assert.Equal("0 0 3 ? * SUN", schedule["schedule"]!.GetValue<string>());
        Assert.Equal("Europe/Paris", schedule["timezone"]!.GetValue<string>());
        Assert.Equal("cron", schedule["params"]!["who"]!.GetValue<string>());
        Assert.Equal("forbid", schedule["concurrency"]!.GetValue<string>());
        Assert.Null(schedule["lastFireAt"]);

        var next = schedule["nextFireTimes"]!.AsArray().Select(t => DateTimeOffset.Parse(t!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, next.Count);
        Assert.All(next, t => Assert.True(t > DateTimeOffset.UtcNow));
        Assert.All(next.Zip(next.Skip(1)), p => Assert.InRange(p.Second - p.First, TimeSpan.FromHours(167), TimeSpan.FromHours(169))); // weekly, give or take DST
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        Assert.All(next, t => Assert.Equal((DayOfWeek.Sunday, 3), (TimeZoneInfo.ConvertTime(t, paris).DayOfWeek, TimeZoneInfo.ConvertTime(t, paris).Hour)));
    }

    [Fact]
    public async Task Retracting_the_latest_version_removes_its_schedules_from_the_list()
    {
        await using var server = await TestServer.StartAsync();
        (await server.PublishAsync(Nightly)).Dispose();
        (await server.Client.PostAsync("/api/definitions/nightly/versions/1/retract", null)).Dispose();

        using var response = await server.Client.GetAsync("/api/schedules");
        Assert.Empty((await Json.ReadAsync(response))["schedules"]!.AsArray());
    }
}
