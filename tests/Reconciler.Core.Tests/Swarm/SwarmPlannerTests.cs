using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Swarm;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmPlannerTests
{
    internal const string Compose = """
        services:
          web:
            image: busybox:1
            secrets: [pw]
            deploy: {replicas: 2}
        secrets:
          pw:
            file: ./pw.txt
        """;

    internal static SwarmStack Desired(string compose = Compose, string secret = "one")
    {
        var files = new InMemoryFiles(new() { ["/p/compose.yaml"] = compose, ["/p/pw.txt"] = secret });
        var loaded = Reconciler.Core.Compose.Loading.ComposeLoader.Load(new LoadOptions { WorkingDirectory = "/p", KeepUnusedSecretsAndConfigs = true }, files);
        var conversion = SwarmStackConverter.Convert(loaded.Project!, "s", files);
        Assert.True(conversion.Succeeded, string.Join("\n", conversion.Diagnostics));
        return conversion.Stack!;
    }

    internal static ObservedSwarm Empty => new() { Role = SwarmRole.Manager };

    /// <summary>What the engine would hold after the plan ran: the specs as sent, objects and networks created.</summary>
    internal static ObservedSwarm After(SwarmPlan plan, ObservedSwarm before)
    {
        var services = before.Services.ToBuilder();
        var objects = before.Objects.ToBuilder();
        var networks = before.Networks.ToBuilder();
        var n = 0;
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case CreateSwarmNetwork c: networks[c.Network.Name] = new ObservedSwarmNetwork($"n{n++}", c.Network.Name, "swarm", c.Network.Driver, plan.Stack); break;
                case CreateSwarmObject c: objects.Add(new ObservedSwarmObject(c.Object.Kind, $"o{n++}", c.VersionedName, plan.Stack)); break;
                case CreateSwarmService c:
                    services[c.Spec.Name] = new ObservedSwarmService
                    {
                        Id = $"s{n++}", Name = c.Spec.Name, Version = 1, SpecJson = SwarmPlanner.Json(c.Spec), ReferencedObjects = References(c.Spec),
                    };
                    break;
                case UpdateSwarmService u:
                    // The engine keeps the replaced spec as PreviousSpec: its references still count.
                    services[u.Spec.Name] = services[u.Spec.Name] with
                    {
                        Version = u.Version + 1, SpecJson = SwarmPlanner.Json(u.Spec),
                        ReferencedObjects = [.. References(u.Spec).Union(services[u.Spec.Name].ReferencedObjects)],
                    };
                    break;
            }
        }
        return before with { Services = services.ToImmutable(), Objects = objects.ToImmutable(), Networks = networks.ToImmutable() };
    }

    private static ImmutableArray<string> References(SwarmServiceSpec spec) =>
        [.. (spec.TaskTemplate.ContainerSpec.Secrets ?? []).Select(r => r.SecretName)];

    [Fact]
    public void A_new_stack_creates_its_network_its_secret_version_and_its_service_in_that_order()
    {
        var plan = SwarmPlanner.Plan(Desired(), Empty, prune: false);
        var secret = SwarmPlanner.VersionedName(Desired().Secrets[0]);
        Assert.Equal($"""
            create network s_default (overlay): missing
            create secret {secret}: new content
            create service s_web: missing

            """, plan.ToString().ReplaceLineEndings("\n"));
        var sent = Assert.IsType<CreateSwarmService>(plan.Actions[^1]).Spec;
        Assert.Equal(secret, Assert.Single(sent.TaskTemplate.ContainerSpec.Secrets!.Value).SecretName);
        Assert.Equal("pw", sent.TaskTemplate.ContainerSpec.Secrets!.Value[0].File.Name);
    }

    [Fact]
    public void A_second_poll_with_nothing_changed_plans_nothing()
    {
        var first = SwarmPlanner.Plan(Desired(), Empty, prune: false);
        var second = SwarmPlanner.Plan(Desired(), After(first, Empty), prune: false);
        Assert.True(second.IsEmpty, second.ToString());
    }

    [Fact]
    public void A_changed_replica_count_updates_the_service_and_names_the_field()
    {
        var deployed = After(SwarmPlanner.Plan(Desired(), Empty, prune: false), Empty);
        var plan = SwarmPlanner.Plan(Desired(Compose.Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal)), deployed, prune: false);
        var update = Assert.IsType<UpdateSwarmService>(Assert.Single(plan.Actions));
        Assert.Equal(1ul, update.Version);
        Assert.Equal(["Mode.Replicated.Replicas: 2 → 3"], update.Changes.ToArray());
    }

    [Fact]
    public void New_secret_content_is_a_new_version_and_the_old_one_goes_once_nothing_refers_to_it()
    {
        var v1 = After(SwarmPlanner.Plan(Desired(secret: "one"), Empty, prune: false), Empty);
        var plan = SwarmPlanner.Plan(Desired(secret: "two"), v1, prune: false);
        Assert.Equal(["create secret", "update service"], plan.Actions.Select(a => string.Join(' ', a.Describe().Split(' ').Take(2))).ToArray());
        // The running spec still names the old version, and after the update the previous spec (Swarm's rollback target) does.
        Assert.DoesNotContain(plan.Actions, a => a is RemoveSwarmObject);
        var v2 = After(plan, v1);
        Assert.True(SwarmPlanner.Plan(Desired(secret: "two"), v2, prune: false).IsEmpty);
        var newer = SwarmPlanner.VersionedName(Desired(secret: "two").Secrets[0]);
        var v3 = v2 with { Services = v2.Services.SetItem("s_web", v2.Services["s_web"] with { ReferencedObjects = [newer] }) };
        var next = SwarmPlanner.Plan(Desired(secret: "two"), v3, prune: false);
        var removal = Assert.IsType<RemoveSwarmObject>(Assert.Single(next.Actions));
        Assert.Equal(SwarmPlanner.VersionedName(Desired(secret: "one").Secrets[0]), removal.Name);
    }

    [Fact]
    public void A_service_that_left_the_file_is_removed_only_with_prune()
    {
        var deployed = After(SwarmPlanner.Plan(Desired(), Empty, prune: false), Empty);
        var without = Compose.Replace("  web:", "  api:", StringComparison.Ordinal);
        Assert.DoesNotContain(SwarmPlanner.Plan(Desired(without), deployed, prune: false).Actions, a => a is RemoveSwarmService);
        Assert.Contains(SwarmPlanner.Plan(Desired(without), deployed, prune: true).Actions, a => a is RemoveSwarmService { Name: "s_web" });
    }

    [Fact]
    public void A_worker_node_reports_the_stack_as_not_deployable_here()
    {
        var plan = SwarmPlanner.Plan(Desired(), new ObservedSwarm { Role = SwarmRole.Worker }, prune: false);
        Assert.True(plan.IsBlocked);
        Assert.Contains("not a manager", Assert.Single(plan.Problems), StringComparison.Ordinal);
        Assert.Empty(plan.Actions);
    }

    [Fact]
    public void An_external_network_must_exist_with_swarm_scope()
    {
        const string compose = "services:\n  web:\n    image: busybox\n    networks: [outside]\nnetworks:\n  outside:\n    external: true\n    name: shared\n";
        var missing = SwarmPlanner.Plan(Desired(compose), Empty, prune: false);
        Assert.Contains("could not be found", Assert.Single(missing.Problems), StringComparison.Ordinal);
        var local = Empty with { Networks = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, ObservedSwarmNetwork>("shared", new("n1", "shared", "local", "bridge", null))]) };
        Assert.Contains("not in the right scope", Assert.Single(SwarmPlanner.Plan(Desired(compose), local, prune: false).Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_digest_under_the_same_tag_updates_the_service()
    {
        var pinned = Empty with { ResolvedImages = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, string>("busybox:1", "busybox:1@sha256:aaa")]) };
        var deployed = After(SwarmPlanner.Plan(Desired(), pinned, prune: false), pinned);
        Assert.True(SwarmPlanner.Plan(Desired(), deployed, prune: false).IsEmpty);
        var moved = deployed with { ResolvedImages = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new KeyValuePair<string, string>("busybox:1", "busybox:1@sha256:bbb")]) };
        var update = Assert.IsType<UpdateSwarmService>(Assert.Single(SwarmPlanner.Plan(Desired(), moved, prune: false).Actions));
        Assert.Contains(update.Changes, c => c.StartsWith("TaskTemplate.ContainerSpec.Image", StringComparison.Ordinal));
    }

    [Fact]
    public void A_credential_spec_names_the_config_version_its_runtime_reference_names_and_a_second_plan_is_empty()
    {
        var desired = Desired("""
            services:
              web:
                image: busybox:1
                credential_spec: {config: spec}
            configs:
              spec:
                file: ./pw.txt
            """);

        var plan = SwarmPlanner.Plan(desired, Empty, prune: false);

        var sent = Assert.IsType<CreateSwarmService>(plan.Actions[^1]).Spec.TaskTemplate.ContainerSpec;
        var runtime = Assert.Single(sent.Configs!.Value, r => r.Runtime is not null);
        Assert.StartsWith("s_spec-", runtime.ConfigName, StringComparison.Ordinal);
        Assert.Equal(runtime.ConfigName, sent.Privileges!.CredentialSpec!.Config);
        Assert.Empty(SwarmPlanner.Plan(desired, After(plan, Empty), prune: false).Actions);
    }
}
