using System.Text.Json;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>One container as <c>docker inspect</c> shows it.</summary>
public sealed record ContainerInfo(
    string Id,
    string Name,
    string Status,
    bool Running,
    int ExitCode,
    string ImageId,
    string ConfigImage,
    IReadOnlyDictionary<string, string> Labels,
    string StartedAt,
    int RestartCount)
{
    public string? Label(string key) => Labels.TryGetValue(key, out var v) ? v : null;
    public string? Service => Label("com.docker.compose.service");
    public string? Project => Label("com.docker.compose.project");
    public string? Commit => Label("dev.reconciler.commit");
    public string ShortId => Id[..12];

    /// <summary>compose's name for an interrupted recreate's replacement: <c>&lt;12 hex&gt;_&lt;name&gt;</c>.</summary>
    public bool IsTemporary => Name.Length > 13 && Name[12] == '_' && Name[..12].All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public override string ToString() => $"{Name} {ShortId} {Status}{(Running ? "" : $" ({ExitCode})")} image={ImageId[..Math.Min(19, ImageId.Length)]} commit={Commit?[..Math.Min(12, Commit.Length)]}";
}

/// <summary>
/// The docker CLI against one engine (the default one, or a private one by its socket). The tests
/// look at the engine only through this, never through Reconciler's own adapter.
/// </summary>
public sealed class DockerCli(string? host, string dockerConfig)
{
    public const string ProjectLabel = "com.docker.compose.project";
    public const string Registry = "127.0.0.1:5000";
    public const string Image10 = Registry + "/reconciler-test/busybox:1.0";
    public const string Image11 = Registry + "/reconciler-test/busybox:1.1";
    public const string Image20 = Registry + "/reconciler-test/busybox:2.0";

    public string? Host => host;
    public string DockerConfig => dockerConfig;

    private IReadOnlyDictionary<string, string?> Env => new Dictionary<string, string?>
    {
        ["DOCKER_HOST"] = host,
        ["DOCKER_CONFIG"] = dockerConfig,
        ["DOCKER_CONTEXT"] = null,
    };

    public Task<Sh.Result> RunAsync(params string[] args) => Sh.RunAsync("docker", args, environment: Env, timeout: TimeSpan.FromMinutes(2));

    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        if (!r.Ok) throw new InvalidOperationException($"docker {string.Join(' ', args)} failed: {r}");
        return r.Stdout.Trim();
    }

    /// <summary>Containers matching every filter (<c>label=…</c>, <c>name=…</c>), stopped ones included.</summary>
    public async Task<IReadOnlyList<ContainerInfo>> ListAsync(params string[] filters)
    {
        var args = new List<string> { "ps", "-aq", "--no-trunc" };
        foreach (var f in filters) { args.Add("--filter"); args.Add(f); }
        var ids = (await OkAsync([.. args])).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length == 0) return [];
        // A container removed between the two calls makes inspect exit 1; the others are still printed.
        var r = await RunAsync(["inspect", .. ids]);
        return r.Stdout.TrimStart().StartsWith('[') ? Parse(r.Stdout) : [];
    }

    public Task<IReadOnlyList<ContainerInfo>> ProjectAsync(string project) => ListAsync($"label={ProjectLabel}={project}");

    public async Task<IReadOnlyList<ContainerInfo>> RunningOfProjectAsync(string project) =>
        [.. (await ProjectAsync(project)).Where(c => c.Running)];

    public async Task<ContainerInfo?> InspectAsync(string nameOrId)
    {
        var r = await RunAsync("container", "inspect", nameOrId);
        return r.Ok ? Parse(r.Stdout).FirstOrDefault() : null;
    }

    public async Task<string> ImageIdAsync(string image) => await OkAsync("image", "inspect", "--format", "{{.Id}}", image);

    /// <summary>Pulls the image if this engine lacks it (a private engine starts empty).</summary>
    public async Task EnsureImageAsync(string image)
    {
        if ((await RunAsync("image", "inspect", image)).Ok) return;
        await OkAsync("pull", "-q", image);
    }

    public async Task<bool> PingAsync() => (await Sh.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], environment: Env, timeout: TimeSpan.FromSeconds(20))).Ok;

    private static List<ContainerInfo> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<ContainerInfo>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var state = c.GetProperty("State");
            var config = c.GetProperty("Config");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (config.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in l.EnumerateObject()) labels[p.Name] = p.Value.GetString() ?? "";
            }
            list.Add(new ContainerInfo(
                c.GetProperty("Id").GetString()!,
                c.GetProperty("Name").GetString()!.TrimStart('/'),
                state.GetProperty("Status").GetString()!,
                state.GetProperty("Running").GetBoolean(),
                state.GetProperty("ExitCode").GetInt32(),
                c.GetProperty("Image").GetString()!,
                config.GetProperty("Image").GetString() ?? "",
                labels,
                state.GetProperty("StartedAt").GetString() ?? "",
                c.GetProperty("RestartCount").GetInt32()));
        }
        return list;
    }
}
