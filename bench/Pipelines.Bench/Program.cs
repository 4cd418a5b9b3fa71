using Pipelines.Bench;

// dotnet run -c Release --project bench/Pipelines.Bench -- <benchmark>
// Each benchmark prints its figures and, as its last line, one summary line that RESULTS.md quotes.
var which = args.FirstOrDefault() ?? "validate";
switch (which)
{
    case "validate":
        ValidationBenchmark.Run(args.Skip(1).ToArray());
        return 0;
    case "engine":
        return EngineBenchmark.Run(args.Skip(1).ToArray());
    case "curate":
        return CurateBenchmark.Run(args.Skip(1).ToArray());
    case "train":
        return TrainBenchmark.Run(args.Skip(1).ToArray());
    case "train-one":
        return TrainBenchmark.RunOne(args.Skip(1).ToArray());
    case "deploy":
        return Pipelines.Bench.Deploy.DeployBenchmark.Run(args.Skip(1).ToArray());
    case "serving":
        return Pipelines.Bench.Deploy.ServingBenchmark.Run(args.Skip(1).ToArray());
    case "designer":
        return DesignerBenchmark.Run(args.Skip(1).ToArray());
    case "serve":
        return Pipelines.Bench.Deploy.ServeBenchmark.Run(args.Skip(1).ToArray());
    case "scale":
        return ScaleBenchmark.Run(args.Skip(1).ToArray());
    default:
        Console.Error.WriteLine($"unknown benchmark '{which}'; available: validate, engine, curate, train, deploy, serving, serve, designer, scale");
        return 2;
}
