// Docker.DotNet's inspect models mark most members nullable; a missing one fails the test anyway.
#nullable disable warnings
using System.Collections.Immutable;
using Docker.DotNet.Models;
using Reconciler.Core.Desired;
using ContainerSpec = Reconciler.Core.Desired.ContainerSpec;
using EndpointSpec = Reconciler.Core.Desired.EndpointSpec;

namespace Reconciler.Docker.Tests;

[Collection(EngineCollection.Name)]
public sealed class ContainerCreateTests(EngineFixture fx)
{
    private DockerEngine Engine => fx.Engine;

    [Fact]
    public async Task Create_maps_every_field_and_the_engine_holds_them()
    {
        var p = fx.NewProject();
        var octet = Random.Shared.Next(1, 250);
        var subnet = $"10.213.{octet}.0/24";
        var ip = $"10.213.{octet}.10";
        var front = $"{p}_front";
        var back = $"{p}_back";
        var volume = $"{p}_data";
        var bindA = fx.NewTempDir();
        var bindB = fx.NewTempDir();
        await File.WriteAllTextAsync(Path.Combine(bindA, "hello.txt"), "from host");

        await Engine.Networks.CreateAsync(Specs.Network(p, front) with
        {
            Ipam = new IpamSpec { Config = [new IpamPoolSpec(subnet, null, null, ImmutableSortedDictionary<string, string>.Empty)] },
        });
        await Engine.Networks.CreateAsync(Specs.Network(p, back));
        Assert.Equal(volume, await Engine.Volumes.CreateAsync(Specs.Volume(p, volume)));

        var spec = new ContainerSpec
        {
            Name = $"{p}-web-1",
            Image = EngineFixture.Image,
            Hostname = "web",
            Domainname = "example.test",
            User = "0:0",
            WorkingDir = "/tmp",
            Entrypoint = ["sh", "-c"],
            Cmd = ["trap 'exit 0' TERM; echo started; sleep 300 & wait"],
            Env = ["A=1", "B=two words"],
            Labels = Specs.ProjectLabels(p, ("com.docker.compose.service", "web"), ("custom", "yes")),
            ExposedPorts = ["53/udp", "80/tcp"],
            AttachStdout = true,
            AttachStderr = true,
            StopSignal = "SIGTERM",
            StopTimeout = 3,
            MacAddress = "02:42:0a:d5:00:42",
            Healthcheck = new HealthSpec
            {
                Test = ["CMD-SHELL", "echo probe-ok"],
                Interval = 500_000_000,
                Timeout = 2_000_000_000,
                StartPeriod = 1_000_000_000,
                Retries = 3,
            },
            Host = new HostSpec
            {
                NetworkMode = front,
                Binds = [$"{bindA}:/bind-a:ro"],
                Mounts =
                [
                    new MountSpec { Type = "volume", Source = volume, Target = "/data", VolumeNoCopy = true },
                    new MountSpec { Type = "bind", Source = bindB, Target = "/bind-b", BindPropagation = "rprivate" },
                    new MountSpec { Type = "tmpfs", Target = "/scratch", TmpfsSize = 1 << 20, TmpfsMode = Convert.ToInt32("1777", 8) },
                ],
                Tmpfs = ImmutableSortedDictionary<string, string>.Empty.Add("/run/t", "size=1m"),
                PortBindings = ImmutableSortedDictionary<string, ImmutableArray<PortBindingSpec>>.Empty
                    .Add("80/tcp", [new PortBindingSpec("127.0.0.1", "")])
                    .Add("53/udp", [new PortBindingSpec("127.0.0.1", "")]),
                RestartPolicy = new RestartPolicySpec { Name = "on-failure", MaximumRetryCount = 2 },
                Init = true,
                CapAdd = ["NET_ADMIN"],
                CapDrop = ["MKNOD"],
                SecurityOpt = ["no-new-privileges:true"],
                Sysctls = ImmutableSortedDictionary<string, string>.Empty.Add("net.core.somaxconn", "512"),
                Ulimits = [new UlimitSpec("nofile", 1024, 2048)],
                ExtraHosts = ["myhost:10.9.8.7"],
                Dns = ["10.0.0.53"],
                DnsSearch = ["example.test"],
                DnsOptions = ["ndots:2"],
                LogConfig = new LogConfigSpec("json-file", ImmutableSortedDictionary<string, string>.Empty.Add("max-file", "2").Add("max-size", "1m")),
                ShmSize = 32 << 20,
                Devices = [new DeviceSpec("/dev/null", "/dev/rtest-null", "rwm")],
                GroupAdd = ["100"],
                IpcMode = "private",
                Resources = new ResourcesSpec
                {
                    Memory = 64 << 20,
                    MemoryReservation = 32 << 20,
                    MemorySwap = 128 << 20,
                    NanoCpus = 500_000_000,
                    CpuShares = 512,
                    PidsLimit = 100,
                    OomScoreAdj = 100,
                },
            },
            Networks = ImmutableSortedDictionary<string, EndpointSpec>.Empty
                .Add(front, new EndpointSpec { Aliases = ["web", "www"], IPv4Address = ip, Priority = 10 })
                .Add(back, new EndpointSpec { Aliases = ["web-back"] }),
        };

        var created = await Engine.Containers.CreateAsync(spec);
        Assert.False(string.IsNullOrEmpty(created.Id));
        // API 1.41: only the primary network at create; the other one comes back to be connected.
        var pending = Assert.Single(created.ConnectAfterCreate);
        Assert.Equal(back, pending.NetworkName);
        await Engine.Containers.ConnectNetworkAsync(created.Id, pending.NetworkName, pending.Endpoint);

        var c = await fx.Client.Containers.InspectContainerAsync(created.Id);
        Assert.Equal(spec.Name, c.Name.TrimStart('/'));
        Assert.Equal("web", c.Config.Hostname);
        Assert.Equal("example.test", c.Config.Domainname);
        Assert.Equal("0:0", c.Config.User);
        Assert.Equal("/tmp", c.Config.WorkingDir);
        Assert.Equal(["sh", "-c"], c.Config.Entrypoint);
        Assert.Equal(spec.Cmd.Value, c.Config.Cmd);
        Assert.Contains("A=1", c.Config.Env);
        Assert.Contains("B=two words", c.Config.Env);
        Assert.Equal("yes", c.Config.Labels["custom"]);
        Assert.Equal(p, c.Config.Labels[ObservedStateReader.ProjectLabel]);
        Assert.Equal(["53/udp", "80/tcp"], c.Config.ExposedPorts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("SIGTERM", c.Config.StopSignal);
        Assert.Equal(TimeSpan.FromSeconds(3), c.Config.StopTimeout);
        Assert.Equal(["CMD-SHELL", "echo probe-ok"], c.Config.Healthcheck.Test);
        Assert.Equal(TimeSpan.FromMilliseconds(500), c.Config.Healthcheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(2), c.Config.Healthcheck.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), c.Config.Healthcheck.StartPeriod);
        Assert.Equal(3, c.Config.Healthcheck.Retries);

        var h = c.HostConfig;
        Assert.Equal(front, h.NetworkMode);
        Assert.Equal([$"{bindA}:/bind-a:ro"], h.Binds);
        Assert.Equal(3, h.Mounts.Count);
        var volMount = h.Mounts.Single(m => m.Target == "/data");
        Assert.Equal(("volume", volume, true), (volMount.Type, volMount.Source, volMount.VolumeOptions?.NoCopy ?? false));
        var bindMount = h.Mounts.Single(m => m.Target == "/bind-b");
        Assert.Equal(("bind", bindB, "rprivate"), (bindMount.Type, bindMount.Source, bindMount.BindOptions?.Propagation));
        var tmpfsMount = h.Mounts.Single(m => m.Target == "/scratch");
        Assert.Equal(("tmpfs", 1L << 20, 1023u), (tmpfsMount.Type, tmpfsMount.TmpfsOptions.SizeBytes ?? 0, tmpfsMount.TmpfsOptions.Mode ?? 0));
        Assert.Equal("size=1m", h.Tmpfs["/run/t"]);
        Assert.Equal("127.0.0.1", Assert.Single(h.PortBindings["80/tcp"]).HostIP);
        Assert.Equal("127.0.0.1", Assert.Single(h.PortBindings["53/udp"]).HostIP);
        Assert.Equal(RestartPolicyKind.OnFailure, h.RestartPolicy.Name);
        Assert.Equal(2, h.RestartPolicy.MaximumRetryCount);
        Assert.True(h.Init);
        Assert.Equal(["NET_ADMIN"], h.CapAdd);
        Assert.Equal(["MKNOD"], h.CapDrop);
        Assert.Equal(["no-new-privileges:true"], h.SecurityOpt);
        Assert.Equal("512", h.Sysctls["net.core.somaxconn"]);
        var ulimit = Assert.Single(h.Ulimits);
        Assert.Equal(("nofile", 1024L, 2048L), (ulimit.Name, ulimit.Soft, ulimit.Hard));
        Assert.Equal(["myhost:10.9.8.7"], h.ExtraHosts);
        Assert.Equal(["10.0.0.53"], h.DNS);
        Assert.Equal(["example.test"], h.DNSSearch);
        Assert.Equal(["ndots:2"], h.DNSOptions);
        Assert.Equal("json-file", h.LogConfig.Type);
        Assert.Equal("1m", h.LogConfig.Config["max-size"]);
        Assert.Equal("2", h.LogConfig.Config["max-file"]);
        Assert.Equal(32L << 20, h.ShmSize);
        var device = Assert.Single(h.Devices);
        Assert.Equal(("/dev/null", "/dev/rtest-null", "rwm"), (device.PathOnHost, device.PathInContainer, device.CgroupPermissions));
        Assert.Equal(["100"], h.GroupAdd);
        Assert.Equal("private", h.IpcMode);
        Assert.Equal(64L << 20, h.Memory);
        Assert.Equal(32L << 20, h.MemoryReservation);
        Assert.Equal(128L << 20, h.MemorySwap);
        Assert.Equal(500_000_000L, h.NanoCPUs);
        Assert.Equal(512L, h.CPUShares);
        Assert.Equal(100L, h.PidsLimit);
        Assert.Equal(100L, h.OomScoreAdj);

        Assert.Equal([back, front], c.NetworkSettings.Networks.Keys.Order(StringComparer.Ordinal));
        var frontEp = c.NetworkSettings.Networks[front];
        Assert.Equal(ip, frontEp.IPAMConfig?.IPv4Address);
        Assert.Contains("web", frontEp.Aliases);
        Assert.Contains("www", frontEp.Aliases);
        Assert.Contains("web-back", c.NetworkSettings.Networks[back].Aliases);

        // Start: the healthcheck runs, the MAC and the fixed IP are applied, the mounts work.
        await Engine.Containers.StartAsync(created.Id);
        var healthy = await Specs.WaitAsync(Engine.Containers, created.Id, s => s.HealthStatus == "healthy");
        Assert.True(healthy.Running);
        Assert.Equal("running", healthy.Status);
        Assert.Equal("probe-ok", healthy.LastHealthOutput);
        Assert.Equal(0, healthy.LastHealthExitCode);
        Assert.NotNull(healthy.StartedAt);

        var running = await fx.Client.Containers.InspectContainerAsync(created.Id);
        Assert.Equal("02:42:0a:d5:00:42", running.NetworkSettings.Networks[front].MacAddress);
        Assert.Equal(ip, running.NetworkSettings.Networks[front].IPAddress);
        Assert.False(string.IsNullOrEmpty(running.NetworkSettings.Networks[back].IPAddress));
        Assert.False(string.IsNullOrEmpty(Assert.Single(running.NetworkSettings.Ports["80/tcp"]).HostPort));
    }

    [Fact]
    public async Task Create_with_no_networks_and_cleared_entrypoint()
    {
        var p = fx.NewProject();
        var spec = Specs.Container(p, $"{p}-job-1") with
        {
            Entrypoint = [],
            Cmd = ["echo", "hi"],
        };
        var created = await Engine.Containers.CreateAsync(spec);
        Assert.Empty(created.ConnectAfterCreate);
        var c = await fx.Client.Containers.InspectContainerAsync(created.Id);
        Assert.Equal("none", c.HostConfig.NetworkMode);
        Assert.True(c.Config.Entrypoint is null || c.Config.Entrypoint.Count == 0);
        Assert.Equal(["echo", "hi"], c.Config.Cmd);

        await Engine.Containers.StartAsync(created.Id);
        var done = await Specs.WaitAsync(Engine.Containers, created.Id, s => s.Status == "exited");
        Assert.Equal(0, done.ExitCode);
        Assert.Null(done.HealthStatus);
        Assert.NotNull(done.FinishedAt);
    }

    [Fact]
    public async Task Create_with_a_taken_name_fails_with_a_conflict_naming_the_container()
    {
        var p = fx.NewProject();
        var spec = Specs.Container(p, $"{p}-dup-1");
        await Engine.Containers.CreateAsync(spec);
        var e = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Containers.CreateAsync(spec));
        Assert.True(e.IsConflict, e.Message);
        Assert.Contains($"'{spec.Name}'", e.Message);
        Assert.Contains("already in use", e.Message);
    }

    [Fact]
    public async Task Create_with_a_missing_image_fails_with_not_found()
    {
        var p = fx.NewProject();
        var e = await Assert.ThrowsAsync<DockerOperationException>(
            () => Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-x-1", image: "reconciler-test/absent:9.9")));
        Assert.True(e.IsNotFound, e.Message);
        Assert.Contains("reconciler-test/absent", e.Message);
    }

    [Fact]
    public async Task Start_failure_surfaces_the_engine_reason_and_inspect_shows_it()
    {
        var p = fx.NewProject();
        var created = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-bad-1") with { Entrypoint = ["/no/such/binary"] });
        var e = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Containers.StartAsync(created.Id));
        Assert.Contains("/no/such/binary", e.Message);
        var state = await Engine.Containers.InspectAsync(created.Id) ?? throw new Xunit.Sdk.XunitException("container vanished");
        Assert.False(state.Running);
        Assert.Contains("/no/such/binary", state.Error);
    }

    [Fact]
    public async Task Unhealthy_container_reports_the_probe_output()
    {
        var p = fx.NewProject();
        var created = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-sick-1") with
        {
            Healthcheck = new HealthSpec { Test = ["CMD-SHELL", "echo db down; exit 1"], Interval = 300_000_000, Retries = 1 },
        });
        await Engine.Containers.StartAsync(created.Id);
        var sick = await Specs.WaitAsync(Engine.Containers, created.Id, s => s.HealthStatus == "unhealthy");
        Assert.Equal("db down", sick.LastHealthOutput);
        Assert.Equal(1, sick.LastHealthExitCode);
        Assert.True(sick.HealthFailingStreak >= 1);
    }
}
