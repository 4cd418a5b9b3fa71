using Pipelines.Activities.Selection;
using Pipelines.Activities.Tests.Data;

namespace Pipelines.Activities.Tests.Selection;

public sealed class LicenseDetectorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private (string, string?) Detect(params (string File, string Text)[] files)
    {
        var directory = Path.Join(_folder.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        foreach (var (file, text) in files) File.WriteAllText(Path.Join(directory, file), text);
        return LicenseDetector.Detect(directory);
    }

    [Fact]
    public void The_model_cards_front_matter_comes_first()
    {
        Assert.Equal(("apache-2.0", "README.md"), Detect(
            ("README.md", "---\nlanguage: en\nlicense: apache-2.0\ntags: [text-generation]\n---\n# A model\nlicense: mit\n"),
            ("LICENSE", "MIT License\n\nPermission is hereby granted, free of charge, to any person")));
    }

    [Fact]
    public void An_other_licence_in_the_front_matter_is_named_by_license_name()
    {
        Assert.Equal(("acme-research-1.0", "README.md"), Detect(("README.md", "---\nlicense: other\nlicense_name: \"acme-research-1.0\"\n---\n")));
    }

    [Fact]
    public void Config_json_is_read_when_the_card_says_nothing()
    {
        Assert.Equal(("llama3.1", "config.json"), Detect(("README.md", "# no front matter\nlicense: mit"), ("config.json", "{\"model_type\": \"llama\", \"license\": \"llama3.1\"}")));
    }

    [Theory]
    [InlineData("                                 Apache License\n                           Version 2.0, January 2004\n", "apache-2.0")]
    [InlineData("MIT License\n\nCopyright (c) 2024\n\nPermission is hereby granted, free of charge, to any person obtaining a copy", "mit")]
    [InlineData("LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023", "llama2")]
    [InlineData("Llama 3.1 Community License Agreement", "llama3.1")]
    [InlineData("Attribution-NonCommercial 4.0 International\n\n=====", "cc-by-nc-4.0")]
    [InlineData("                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007", "gpl-3.0")]
    [InlineData("Redistribution and use in source and binary forms ... Neither the name of the copyright holder", "bsd-3-clause")]
    [InlineData("\n\n# ACME Model Licence v2\n\nYou may use this model for research only.", "ACME Model Licence v2")]
    public void A_licence_file_is_recognised_by_its_text(string text, string expected)
    {
        Assert.Equal((expected, "LICENSE"), Detect(("LICENSE", text)));
    }

    [Fact]
    public void A_licence_file_is_found_whatever_its_case_and_extension()
    {
        Assert.Equal(("mit", "license.txt"), Detect(("license.txt", "Permission is hereby granted, free of charge, to any person")));
        Assert.Equal(("apache-2.0", "COPYING"), Detect(("COPYING", "Apache License, Version 2.0")));
    }

    [Fact]
    public void A_folder_with_no_licence_anywhere_is_unknown()
    {
        Assert.Equal(("unknown", null), Detect(("config.json", "{\"model_type\": \"gpt2\"}"), ("README.md", "# tiny")));
    }
}
