using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Reconciler.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests.Fidelity;

/// <summary>
/// Field by field: the containers Reconciler creates for a compose file against those Docker Compose
/// v2.26.1 created for the same file (testdata/&lt;case&gt;/expected.json, recorded by testdata/record.sh).
/// Both sides go through the same projection of <c>docker inspect</c> (see <see cref="InspectProjection"/>).
/// </summary>
public sealed class FidelityTests(EngineFixture fx, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    private static string TestData => Path.Combine(AppContext.BaseDirectory, "testdata");

    /// <summary>Every case folder with a compose file and a recording.</summary>
    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestData).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "compose.yaml")) && File.Exists(Path.Combine(dir, "expected.json")))
            {
                cases.Add(Path.GetFileName(dir));
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Containers_match_what_docker_compose_creates(string caseName)
    {
        var source = Path.Combine(TestData, caseName);
        var dir = Path.Combine(fx.NewTempDir(), caseName);
        CopyDirectory(source, dir);
        File.Delete(Path.Combine(dir, "expected.json"));
        var stack = new TestStack(fx, "", directory: dir);

        // A failed action does not stop the comparison: what was created is still compared.
        var (_, failures) = await stack.TryApplyAsync();

        var containers = await stack.ContainersAsync();
        var inspected = new List<ContainerInspectResponse>();
        foreach (var c in containers.Values)
        {
            inspected.Add(await fx.Client.Containers.InspectContainerAsync(c.ID));
        }
        var actual = InspectProjection.Project(inspected, dir, stack.Project);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "expected.json")));

        // The projection leaves empty fields out: absent and null are the same.
        var differences = JsonDiff.Compare(expected, actual, absentIsNull: true);
        foreach (var f in failures)
        {
            output.WriteLine("apply: " + f);
        }
        foreach (var d in differences)
        {
            output.WriteLine(d.Describe("compose", "reconciler"));
        }
        Assert.True(failures.Count == 0 && differences.Count == 0,
            $"{caseName}: " +
            (failures.Count == 0 ? "" : $"apply failed where docker compose succeeds:\n  {string.Join("\n  ", failures)}\n") +
            $"{differences.Count} field(s) differ from what docker compose creates:\n  " + string.Join("\n  ", differences));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
