using Reconciler.Core.Desired;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Desired;

/// <summary>
/// <c>com.docker.compose.config-hash</c> must be what Docker Compose 2.26.1 writes, or each tool
/// recreates the other's containers. compose-config-hashes.txt holds the labels compose itself put on
/// the golden cases' containers (record-compose-hashes.sh: <c>docker compose up -d</c> under
/// /srv/CASE, then <c>docker inspect</c>), with each container's id, which compose folds into the hash
/// of a service sharing that container.
/// </summary>
public class ComposeConfigHashTests
{
    private sealed record Recorded(string Case, string Service, string Hash, string ContainerId);

    private static List<Recorded> RecordedHashes() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Desired", "compose-config-hashes.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' '))
            .Select(p => new Recorded(p[0].Split('/')[0], p[0].Split('/')[1], p[1], p[2]))
            .ToList();

    [Fact]
    public void Golden_projects_hash_as_docker_compose_2_26_hashed_their_containers()
    {
        var recorded = RecordedHashes();
        Assert.True(recorded.Count > 50, $"only {recorded.Count} recorded hashes: compose-config-hashes.txt went missing");
        var mismatches = new List<string>();
        foreach (var byCase in recorded.GroupBy(r => r.Case))
        {
            var desired = GoldenDesired.Load(byCase.Key, "rh-" + byCase.Key);
            string? IdOf(string service) =>
                byCase.Where(r => r.Service == service).Select(r => r.ContainerId).Order(StringComparer.Ordinal).FirstOrDefault();
            foreach (var r in byCase)
            {
                var service = desired.Services[r.Service];
                var ours = service.ConfigHashTemplate is { } template ? template.Resolve(IdOf) : service.ConfigHash;
                if (ours != r.Hash) mismatches.Add($"{r.Case}/{r.Service}: compose {r.Hash}, ours {ours}");
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {recorded.Count} differ:\n" + string.Join("\n", mismatches));
    }

    [Fact]
    public void A_service_sharing_another_services_network_hashes_that_containers_id()
    {
        var sidecar = GoldenDesired.Load("networks").Services["sidecar"];
        var template = Assert.IsType<ConfigHashTemplate>(sidecar.ConfigHashTemplate);
        Assert.Equal(new[] { "app" }, template.Services.ToArray());
        Assert.Equal("netlab-app-1", template.Containers["app"]);
        var one = template.Resolve(_ => new string('a', 64));
        var other = template.Resolve(_ => new string('b', 64));
        Assert.NotEqual(one, other);
        Assert.Null(template.Resolve(_ => null));
    }

    [Fact]
    public void What_compose_leaves_out_of_the_hash_does_not_change_it_and_a_value_does()
    {
        // hash.go clears build, pull_policy, scale and deploy.replicas before hashing.
        var plain = HashOf("services:\n  web:\n    image: app:1\n    deploy: {resources: {}}\n");
        var withIgnored = HashOf("services:\n  web:\n    image: app:1\n    pull_policy: always\n    scale: 1\n    deploy: {replicas: 1}\n");
        var changed = HashOf("services:\n  web:\n    image: app:1\n    environment: [A=1]\n");
        Assert.Equal(plain, withIgnored);
        Assert.NotEqual(plain, changed);
    }

    [Fact]
    public void A_dollar_is_hashed_once_where_config_prints_it_twice()
    {
        // config doubles $ in what it prints; the hash is over the values themselves.
        var result = InMemoryFiles.Load("services:\n  web:\n    image: app:1\n    command: echo $$HOME\n");
        Assert.Contains("$$HOME", result.Project!.ToJson(), StringComparison.Ordinal);
        var desired = DesiredStateBuilder.Build(result.Project!, new InMemoryFiles([]));
        var expected = ConfigHashTemplate.Sha256("{\"command\":[\"echo\",\"$HOME\"],\"entrypoint\":null,\"image\":\"app:1\",\"networks\":{\"default\":null}}");
        Assert.Equal(expected, desired.Services["web"].ConfigHash);
    }

    private static string HashOf(string compose)
    {
        var result = InMemoryFiles.Load(compose);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return DesiredStateBuilder.Build(result.Project!, new InMemoryFiles([])).Services["web"].ConfigHash;
    }
}
