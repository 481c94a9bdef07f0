using System.Text.Json;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Swarm;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Swarm;

/// <summary>
/// The cases under Swarm/cases: a compose file (and the files it reads), with what
/// <c>docker stack deploy</c> made of it on a real Swarm (record-stack-deploy.sh).
/// </summary>
internal static class SwarmCases
{
    public const string Stack = "fid";

    public static string Root => Path.Combine(AppContext.BaseDirectory, "Swarm", "cases");

    public static IEnumerable<string> Names =>
        Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static SwarmConversion Convert(string caseName)
    {
        var dir = Path.Combine(Root, caseName);
        var virtualDir = "/srv/" + caseName;
        var files = Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith("stack-deploy", StringComparison.Ordinal))
            .ToDictionary(f => virtualDir + "/" + Path.GetFileName(f), File.ReadAllText);
        var source = new InMemoryFiles(files);
        var loaded = ComposeLoader.Load(new LoadOptions { WorkingDirectory = virtualDir, ProjectName = Stack, KeepUnusedSecretsAndConfigs = true }, source);
        Assert.True(loaded.Success, caseName + ": " + string.Join("\n", loaded.Diagnostics));
        return SwarmStackConverter.Convert(loaded.Project!, Stack, source);
    }

    /// <summary>The recorded specs by service name (<c>fid_web</c>), as JSON text.</summary>
    public static Dictionary<string, string> Recorded(string caseName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, caseName, "stack-deploy.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name.Split('/')[1], p => p.Value.GetRawText());
    }

    public static string RecordedWarnings(string caseName) => File.ReadAllText(Path.Combine(Root, caseName, "stack-deploy.stderr"));

    public static string Json(SwarmServiceSpec spec) => JsonSerializer.Serialize(spec, SwarmJson.Default.SwarmServiceSpec);
}
