using System.CommandLine;
using Pipelines.Activities;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines activities [--json]</c>: the catalog with versions, categories, inputs and outputs.</summary>
public static class ActivitiesCommand
{
    public static Command Create(Func<ParseResult, CliContext> context)
    {
        var json = new Option<bool>("--json") { Description = "Print the catalog as JSON" };
        var command = new Command("activities", "List the activities steps can use, with their inputs and outputs") { json };
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            if (result.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonOutput.Format(DescriptorJson.Catalog(cli.Catalog)));
                return ExitCodes.Ok;
            }

            var console = cli.Console(cli.Out);
            foreach (var group in cli.Catalog.All.GroupBy(a => a.Category))
            {
                var tree = new Tree($"[bold]{Markup.Escape(group.Key)}[/]");
                foreach (var activity in group)
                {
                    var node = tree.AddNode($"[bold cyan]{Markup.Escape(activity.Uses)}[/]  {Markup.Escape(activity.Description)}");
                    AddPorts(node, "in", activity.Inputs);
                    AddPorts(node, "out", activity.Outputs);
                }

                console.Write(tree);
                console.WriteLine();
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void AddPorts(TreeNode node, string direction, IReadOnlyList<PortDescriptor> ports)
    {
        foreach (var port in ports)
        {
            var flags = new List<string>();
            if (port.Required) flags.Add("required");
            if (port.Default is not null) flags.Add($"default {port.Default.ToJsonString()}");
            if (port.Minimum is not null || port.Maximum is not null) flags.Add($"range [{port.Minimum}, {port.Maximum}]");
            if (port.AllowedValues is { } values) flags.Add($"one of {string.Join("|", values)}");
            if (port.Sensitive) flags.Add("sensitive");
            var extra = flags.Count > 0 ? $" ({string.Join(", ", flags)})" : "";
            node.AddNode($"{direction} [green]{Markup.Escape(port.Name)}[/]: {Markup.Escape(port.Shape.DisplayName)}{Markup.Escape(extra)}  [dim]{Markup.Escape(port.Description)}[/]");
        }
    }
}
