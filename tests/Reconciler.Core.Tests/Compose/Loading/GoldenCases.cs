using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>
/// The testdata folders: each a realistic project with what <c>docker compose config --format json</c>
/// printed for it (recorded by testdata/record.sh with Docker Compose v2; the tests don't need it).
/// </summary>
public static class GoldenCases
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "testdata");

    public static IEnumerable<object[]> Valid() =>
        Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "expected.json")))
            .Select(d => new object[] { Path.GetFileName(d) }).OrderBy(x => (string)x[0]);

    /// <summary>Cases with compose's <c>config --format yaml</c> recorded too.</summary>
    public static IEnumerable<object[]> WithYaml() =>
        Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "expected.yaml")))
            .Select(d => new object[] { Path.GetFileName(d) }).OrderBy(x => (string)x[0]);

    /// <summary>A recorded output as compose printed it, byte for byte, the <c>${CASE_DIR}</c> placeholder filled in.</summary>
    public static string ExpectedText(string caseName, string file)
    {
        var dir = Path.Combine(Root, caseName);
        return File.ReadAllText(Path.Combine(dir, file)).Replace("${CASE_DIR}", dir, StringComparison.Ordinal);
    }

    public static IEnumerable<object[]> Invalid() =>
        Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "expected.error.txt")))
            .Select(d => new object[] { Path.GetFileName(d) }).OrderBy(x => (string)x[0]);

    public static LoadOptions Options(string caseName)
    {
        var dir = Path.Combine(Root, caseName);
        string[] Lines(string file) => File.Exists(Path.Combine(dir, file))
            ? File.ReadAllLines(Path.Combine(dir, file)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray()
            : [];
        var env = Lines("env.txt").Select(l => l.Split('=', 2)).ToImmutableDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        var files = Lines("files.txt");
        return new LoadOptions
        {
            WorkingDirectory = dir,
            Files = files.Length > 0 ? [.. files] : ["compose.yaml"],
            Profiles = [.. Lines("profiles.txt")],
            Environment = env.Add("HOME", "/root").Add("PATH", "/usr/bin:/bin"),
            HomeDirectory = "/root",
            ProjectName = File.Exists(Path.Combine(dir, "project-name.txt")) ? File.ReadAllText(Path.Combine(dir, "project-name.txt")).Trim() : null,
        };
    }

    /// <summary>expected.diagnostics.txt: the loader's errors for an invalid case, one per line, <c>${CASE_DIR}</c> for the folder.</summary>
    public static string[] ExpectedDiagnostics(string caseName)
    {
        var dir = Path.Combine(Root, caseName);
        var file = Path.Combine(dir, "expected.diagnostics.txt");
        Assert.True(File.Exists(file), $"{caseName} has no expected.diagnostics.txt");
        return File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => l.Replace("${CASE_DIR}", dir)).ToArray();
    }

    public static JsonNode Expected(string caseName)
    {
        var dir = Path.Combine(Root, caseName);
        var text = File.ReadAllText(Path.Combine(dir, "expected.json")).Replace("${CASE_DIR}", dir);
        return JsonNode.Parse(text)!;
    }
}
