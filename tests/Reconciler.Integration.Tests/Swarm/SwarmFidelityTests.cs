using System.Diagnostics;
using System.Text.Json.Nodes;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Swarm;
using Reconciler.Files;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>
/// The same compose files deployed by <c>docker stack deploy</c> (Debian's docker.io, docker/cli 20.10)
/// and by Reconciler's Swarm engine, on the same Swarm, one after the other under the same stack
/// name: the service specs the engine then holds must agree field by field (engine-filled fields
/// aside, see SwarmSpecComparison), and so must the warnings.
/// </summary>
[Collection(SwarmCollection.Name)]
public sealed class SwarmFidelityTests(SwarmTestbed bed, ITestOutputHelper output)
{
    private const string Stack = "fid";

    public static TheoryData<string> Cases =>
        [.. Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "swarm-cases")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Service_specs_equal_docker_stack_deploys_field_by_field(string caseName)
    {
        var watch = Stopwatch.StartNew();
        var dir = CopyCase(caseName);
        EnsureExternals();
        await bed.RemoveStackAsync(Stack);

        var cli = bed.Docker(dir, "stack", "deploy", "--resolve-image", "always", "-c", "compose.yaml", Stack);
        var theirs = Specs();
        await bed.RemoveStackAsync(Stack);

        var conversion = Convert(dir);
        var (plan, execution) = await bed.Engine.ConvergeAsync(conversion.Stack!, prune: false, resolveImages: true, default);
        Assert.False(plan.IsBlocked, plan.ToString());
        Assert.True(execution.Succeeded, string.Join("\n", execution.Failures.Select(f => f.Error)));
        var ours = Specs();
        await bed.RemoveStackAsync(Stack);

        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        var differences = theirs.Keys.SelectMany(name =>
            SwarmSpecComparison.Differences(theirs[name], ours[name], compareDigests: true).Select(d => $"{name} {d}")).ToList();
        Assert.True(differences.Count == 0, "docker stack deploy → Reconciler:\n" + string.Join("\n", differences));
        Assert.Equal(cli.Stderr.Replace("\r", "", StringComparison.Ordinal), string.Concat(conversion.Stack!.CliWarnings.Select(l => l + "\n\n")));
        output.WriteLine($"{caseName}: {theirs.Count} services, specs equal, {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The stack's specs as the engine keeps them: network ids as names, our versioned object names as the CLI's.</summary>
    private Dictionary<string, string> Specs()
    {
        var networks = bed.Docker(null, "network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        var ids = bed.Docker(null, "service", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={Stack}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in JsonNode.Parse(bed.Docker(null, ["service", "inspect", .. ids]).Stdout)!.AsArray())
        {
            var spec = s!["Spec"]!.AsObject();
            foreach (var n in (spec["TaskTemplate"]?["Networks"] as JsonArray)?.OfType<JsonObject>() ?? [])
                n["Target"] = networks.GetValueOrDefault(n["Target"]!.GetValue<string>(), n["Target"]!.GetValue<string>());
            var container = spec["TaskTemplate"]!["ContainerSpec"]!;
            // A credential spec names its config by id, which differs between the two deploys: compare the names.
            if (container["Privileges"]?["CredentialSpec"] is JsonObject credential && credential["Config"]?.GetValue<string>() is { Length: > 0 } configId)
                credential["Config"] = Unversioned((container["Configs"] as JsonArray)?.OfType<JsonObject>()
                    .FirstOrDefault(r => r["ConfigID"]?.GetValue<string>() == configId)?["ConfigName"]?.GetValue<string>() ?? configId);
            foreach (var (list, field) in new[] { ("Secrets", "SecretName"), ("Configs", "ConfigName") })
                foreach (var r in (container[list] as JsonArray)?.OfType<JsonObject>() ?? [])
                    r[field] = Unversioned(r[field]!.GetValue<string>());
            result[spec["Name"]!.GetValue<string>()] = spec.ToJsonString();
        }
        return result;
    }

    /// <summary>Reconciler names each secret/config version name-&lt;12 hex&gt;; the CLI has one name.</summary>
    private static string Unversioned(string name) =>
        name.Length > 13 && name[^13] == '-' && name[^12..].All(char.IsAsciiHexDigitLower) ? name[..^13] : name;

    private static SwarmConversion Convert(string dir)
    {
        var files = new DiskFileSource();
        var loaded = ComposeLoader.Load(new LoadOptions { WorkingDirectory = dir, ProjectName = Stack, KeepUnusedSecretsAndConfigs = true }, files);
        Assert.True(loaded.Success, string.Join("\n", loaded.Diagnostics));
        var conversion = SwarmStackConverter.Convert(loaded.Project!, Stack, files);
        Assert.True(conversion.Succeeded, string.Join("\n", conversion.Diagnostics));
        return conversion;
    }

    private void EnsureExternals()
    {
        if (ProcessRunner.Run(SwarmTestbed.DockerCli, ["-H", SwarmTestbed.Manager, "network", "inspect", "fidelity-outside"]).ExitCode != 0)
            bed.Docker(null, "network", "create", "-d", "overlay", "--attachable", "fidelity-outside");
    }

    private static string CopyCase(string caseName)
    {
        var from = Path.Combine(AppContext.BaseDirectory, "swarm-cases", caseName);
        var to = Directory.CreateTempSubdirectory("swarm-fidelity-").FullName;
        foreach (var f in Directory.GetFiles(from).Where(f => !Path.GetFileName(f).StartsWith("stack-deploy", StringComparison.Ordinal)))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        return to;
    }
}
