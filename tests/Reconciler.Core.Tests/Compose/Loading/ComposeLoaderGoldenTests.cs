using System.Text.Json.Nodes;
using Reconciler.Core.Compose.Loading;

namespace Reconciler.Core.Tests.Compose.Loading;

public class ComposeLoaderGoldenTests
{
    [Theory]
    [MemberData(nameof(GoldenCases.Valid), MemberType = typeof(GoldenCases))]
    public void Resolves_the_project_exactly_as_docker_compose_config_prints_it(string caseName)
    {
        var result = ComposeLoader.Load(GoldenCases.Options(caseName), DiskFiles.Instance);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var actual = JsonNode.Parse(result.Project!.ToJson())!;
        var expected = GoldenCases.Expected(caseName);
        var differences = JsonDiff.Compare(expected, actual);
        Assert.True(differences.Count == 0,
            $"{caseName}: {differences.Count} difference(s) from docker compose:\n" + string.Join("\n", differences.Take(40)));
    }

    [Theory]
    [MemberData(nameof(GoldenCases.Valid), MemberType = typeof(GoldenCases))]
    public void Prints_json_byte_for_byte_as_docker_compose_config_does(string caseName)
    {
        var result = ComposeLoader.Load(GoldenCases.Options(caseName), DiskFiles.Instance);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        AssertSameText(caseName, "expected.json", GoldenCases.ExpectedText(caseName, "expected.json"), result.Project!.ToJson());
    }

    [Theory]
    [MemberData(nameof(GoldenCases.WithYaml), MemberType = typeof(GoldenCases))]
    public void Prints_yaml_byte_for_byte_as_docker_compose_config_does(string caseName)
    {
        var result = ComposeLoader.Load(GoldenCases.Options(caseName), DiskFiles.Instance);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        AssertSameText(caseName, "expected.yaml", GoldenCases.ExpectedText(caseName, "expected.yaml"), result.Project!.ToYaml());
    }

    /// <summary>Equal text, else the first line that differs (and whether only the end of the text does).</summary>
    private static void AssertSameText(string caseName, string file, string expected, string actual)
    {
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var i = 0;
        while (i < e.Length && i < a.Length && e[i] == a[i]) i++;
        Assert.Fail($"{caseName}: differs from {file} at line {i + 1} (of {e.Length} / {a.Length}):\n"
            + $"  compose: {(i < e.Length ? e[i] : "<end>")}\n  ours:    {(i < a.Length ? a[i] : "<end>")}");
    }

    [Theory]
    [MemberData(nameof(GoldenCases.Invalid), MemberType = typeof(GoldenCases))]
    public void Refuses_the_projects_docker_compose_refuses_with_the_expected_errors(string caseName)
    {
        var result = ComposeLoader.Load(GoldenCases.Options(caseName), DiskFiles.Instance);
        Assert.False(result.Success, $"{caseName} loaded, but docker compose refused it with: "
            + File.ReadAllText(Path.Combine(GoldenCases.Root, caseName, "expected.error.txt")));
        // Our own wording, file:line:column and key path included (compose's is in expected.error.txt).
        var expected = GoldenCases.ExpectedDiagnostics(caseName);
        var actual = result.Errors.Select(e => e.ToString()).ToArray();
        Assert.True(expected.SequenceEqual(actual),
            $"{caseName}: expected errors\n  {string.Join("\n  ", expected)}\ngot\n  {string.Join("\n  ", actual)}");
    }
}
