using System.Globalization;
using System.Text;

namespace Pipelines.Activities.Training;

/// <summary>One optimizer step of the curve; <see cref="ValidationLoss"/> only where an evaluation ran.</summary>
public sealed record CurvePoint(int Step, int Epoch, double LearningRate, double TrainLoss, double? ValidationLoss);

/// <summary>The loss curve of a training run, written as <c>loss.csv</c> and drawn as <c>loss.png</c>.</summary>
public static class LossCurve
{
    public static void Write(IReadOnlyList<CurvePoint> points, string directory, string title)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Join(directory, "loss.csv"), ToCsv(points));
        Draw(points, title).SavePng(Path.Join(directory, "loss.png"), 900, 500);
    }

    public static string ToCsv(IReadOnlyList<CurvePoint> points)
    {
        var csv = new StringBuilder("step,epoch,learning_rate,train_loss,val_loss\n");
        foreach (var p in points)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{p.Step},{p.Epoch},{p.LearningRate:G6},{p.TrainLoss:G6},{(p.ValidationLoss is { } v ? v.ToString("G6", CultureInfo.InvariantCulture) : "")}\n");
        }
        return csv.ToString();
    }

    static ScottPlot.Plot Draw(IReadOnlyList<CurvePoint> points, string title)
    {
        var plot = new ScottPlot.Plot();
        var train = plot.Add.ScatterLine(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.TrainLoss).ToArray());
        train.LegendText = "train loss";
        train.LineWidth = 2;

        var evaluated = points.Where(p => p.ValidationLoss is not null).ToArray();
        if (evaluated.Length > 0)
        {
            var validation = plot.Add.Scatter(evaluated.Select(p => (double)p.Step).ToArray(), evaluated.Select(p => p.ValidationLoss!.Value).ToArray());
            validation.LegendText = "validation loss";
            validation.LineWidth = 2;
            validation.MarkerSize = 6;
            plot.ShowLegend();
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel("loss (mean per token)");
        return plot;
    }
}
