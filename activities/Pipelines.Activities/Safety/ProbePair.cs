namespace Pipelines.Activities.Safety;

/// <summary>One counterfactual probe: a template filled once with a female and once with a male first name.</summary>
public sealed record ProbePair(string Template, string FemaleName, string MaleName)
{
    public string FemalePrompt => CounterfactualProbes.Fill(Template, FemaleName);

    public string MalePrompt => CounterfactualProbes.Fill(Template, MaleName);
}
