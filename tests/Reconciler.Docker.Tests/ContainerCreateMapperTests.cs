using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Desired;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker.Tests;

public sealed class ContainerCreateMapperTests
{
    private static ContainerSpec Spec(string networkMode, params (string Name, int? Priority)[] networks) => new()
    {
        Name = "p-web-1",
        Image = "img:1",
        Host = new HostSpec { NetworkMode = networkMode },
        Networks = networks.ToImmutableSortedDictionary(n => n.Name, n => new EndpointSpec { Priority = n.Priority, Aliases = [n.Name + "-alias"] }),
    };

    private static JsonObject Json(ContainerSpec spec) =>
        JsonNode.Parse(JsonSerializer.Serialize(ContainerCreateMapper.Map(spec).Body, WireJson.Default.ContainerCreateBody))!.AsObject();

    [Fact]
    public void Only_the_network_named_by_NetworkMode_goes_into_NetworkingConfig()
    {
        var spec = Spec("p_front", ("p_back", null), ("p_front", 10), ("p_admin", 5), ("p_zeta", 5));
        var (body, rest) = ContainerCreateMapper.Map(spec);
        Assert.Equal(["p_front"], body.NetworkingConfig!.EndpointsConfig.Keys);
        Assert.Equal(["p_front-alias"], body.NetworkingConfig.EndpointsConfig["p_front"].Aliases!);
        // The rest: priority (highest first), then name.
        Assert.Equal(["p_admin", "p_zeta", "p_back"], rest.Select(r => r.NetworkName));
        Assert.Equal(["p_admin-alias"], rest[0].Endpoint.Aliases.ToArray());
    }

    [Fact]
    public void With_a_non_network_mode_every_network_is_connected_afterwards()
    {
        var (body, rest) = ContainerCreateMapper.Map(Spec("bridge", ("b", null), ("a", null)));
        Assert.Null(body.NetworkingConfig);
        Assert.Equal(["a", "b"], rest.Select(r => r.NetworkName));
        Assert.Equal("bridge", body.HostConfig.NetworkMode);
    }

    [Fact]
    public void Api_1_41_fields_are_on_the_wire()
    {
        var spec = Spec("p_front", ("p_front", null)) with
        {
            MacAddress = "02:42:ac:11:00:02",
            StopTimeout = 7,
            Networks = ImmutableSortedDictionary<string, EndpointSpec>.Empty.Add("p_front",
                new EndpointSpec { Aliases = ["web"], Links = ["p-db-1:db"], IPv4Address = "10.1.0.5" }),
        };
        var json = Json(spec);
        Assert.Equal("02:42:ac:11:00:02", (string?)json["MacAddress"]);
        Assert.Equal(7, (int?)json["StopTimeout"]);
        var ep = json["NetworkingConfig"]!["EndpointsConfig"]!["p_front"]!;
        Assert.Equal("10.1.0.5", (string?)ep["IPAMConfig"]!["IPv4Address"]);
        Assert.Equal("p-db-1:db", (string?)ep["Links"]![0]);
        Assert.Equal("img:1", (string?)json["Image"]);
        Assert.Equal("", (string?)json["HostConfig"]!["RestartPolicy"]!["Name"]);
    }

    [Fact]
    public void Null_entrypoint_is_left_off_and_empty_entrypoint_is_sent_to_clear_the_images()
    {
        Assert.False(Json(Spec("none")).ContainsKey("Entrypoint"));
        Assert.False(Json(Spec("none")).ContainsKey("Cmd"));
        var cleared = Json(Spec("none") with { Entrypoint = [], Cmd = [] });
        Assert.Empty(cleared["Entrypoint"]!.AsArray());
        Assert.Empty(cleared["Cmd"]!.AsArray());
    }

    [Fact]
    public void Healthcheck_durations_are_nanoseconds_and_zero_means_engine_default()
    {
        var json = Json(Spec("none") with { Healthcheck = new HealthSpec { Test = ["CMD", "true"], Interval = 5_000_000_000, Retries = 0 } });
        var hc = json["Healthcheck"]!.AsObject();
        Assert.Equal(5_000_000_000, (long?)hc["Interval"]);
        Assert.False(hc.ContainsKey("Timeout"));
        Assert.False(hc.ContainsKey("Retries"));
        var disabled = Json(Spec("none") with { Healthcheck = new HealthSpec { Test = ["NONE"] } });
        Assert.Equal("NONE", (string?)disabled["Healthcheck"]!["Test"]![0]);
    }

    [Fact]
    public void Mount_options_appear_only_for_what_is_set()
    {
        var json = Json(Spec("none") with
        {
            Host = new HostSpec
            {
                NetworkMode = "none",
                Mounts =
                [
                    new MountSpec { Type = "volume", Source = "v", Target = "/v" },
                    new MountSpec { Type = "bind", Source = "/h", Target = "/b", ReadOnly = true, BindCreateMountpoint = true },
                ],
            },
        });
        var mounts = json["HostConfig"]!["Mounts"]!.AsArray();
        Assert.False(mounts[0]!.AsObject().ContainsKey("VolumeOptions"));
        Assert.True((bool?)mounts[1]!["ReadOnly"]);
        Assert.True((bool?)mounts[1]!["BindOptions"]!["CreateMountpoint"]);
    }

    [Fact]
    public void Network_create_body_asks_the_engine_to_refuse_duplicates()
    {
        var body = DockerNetworkOperations.ToBody(new NetworkSpec
        {
            Name = "p_default",
            Ipam = new IpamSpec { Config = [new IpamPoolSpec("10.5.0.0/24", null, "10.5.0.1", ImmutableSortedDictionary<string, string>.Empty.Add("host1", "10.5.0.5"))] },
        });
        var json = JsonNode.Parse(JsonSerializer.Serialize(body, WireJson.Default.NetworkCreateBody))!;
        Assert.True((bool?)json["CheckDuplicate"]);
        Assert.Equal("bridge", (string?)json["Driver"]);
        Assert.Equal("10.5.0.5", (string?)json["IPAM"]!["Config"]![0]!["AuxiliaryAddresses"]!["host1"]);
    }
}
