using System.Collections.Concurrent;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Docker;

namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>
/// What every daemon test needs, checked once: a reachable Docker engine with the test images in
/// the local registry (tests/setup/engine.sh), git (plus sshd and git http-backend, installed with
/// apt-get when missing), and the reconciler binary built next to the tests. Anything missing fails
/// the tests with the command to run; they never skip.
/// <para>
/// Everything a test makes belongs to a compose project from <see cref="NewProject"/>
/// ("dtest&lt;guid6&gt;") and is removed at the end by the <c>com.docker.compose.project</c> label:
/// containers, networks and the project's volumes. Nothing else on the engine is touched.
/// </para>
/// </summary>
public sealed class DaemonFixture : IAsyncLifetime
{
    public const string Registry = "127.0.0.1:5000";
    public const string ImageRepo = Registry + "/reconciler-test/busybox";
    public const string ProjectLabel = "com.docker.compose.project";
    public const string ServiceLabel = "com.docker.compose.service";
    public const string CommitLabel = "dev.reconciler.commit";

    private readonly ConcurrentBag<string> _projects = [];
    private readonly Lazy<SshServer> _ssh;
    private readonly Lazy<GitHttpServer> _http;

    public DaemonFixture()
    {
        Root = Directory.CreateTempSubdirectory("reconciler-daemon-tests-").FullName;
        ServedRoot = Path.Combine(Root, "served");
        Directory.CreateDirectory(ServedRoot);
        EmptyDockerConfig = Path.Combine(Root, "docker-config");
        Directory.CreateDirectory(EmptyDockerConfig);
        Endpoint = DockerEndpoint.Resolve();
        Client = Endpoint.CreateClient();
        _ssh = new Lazy<SshServer>(() => new SshServer(Path.Combine(Root, "ssh")), LazyThreadSafetyMode.ExecutionAndPublication);
        _http = new Lazy<GitHttpServer>(() => new GitHttpServer(ServedRoot, HttpUser, HttpPassword), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public const string HttpUser = "deployer";
    public const string HttpPassword = "Pw-daemon-3c1e-never-shown";

    /// <summary>Temp root of everything on disk (repos, state dirs, configs); deleted at the end.</summary>
    public string Root { get; }

    /// <summary>Where bare origins live (the http server's project root).</summary>
    public string ServedRoot { get; }

    /// <summary>An empty Docker client config (DOCKER_CONFIG of the daemon): nothing from ~/.docker leaks in.</summary>
    public string EmptyDockerConfig { get; }

    public DockerEndpoint Endpoint { get; }

    /// <summary>A plain Docker.DotNet client: what the tests look at the engine with.</summary>
    public DockerClient Client { get; }

    public static string ReconcilerDll => DaemonProcess.Dll;

    internal SshServer Ssh => _ssh.Value;
    internal GitHttpServer Http => _http.Value;

    public async Task InitializeAsync()
    {
        await EngineFixture.EnsureReachableAsync(Endpoint.ToString(), ct => Client.System.PingAsync(ct));

        // The daemon pulls on every new commit: the tags must be in the registry, not only local.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
        {
            foreach (var tag in new[] { "1.0", "1.1", "2.0" })
            {
                HttpResponseMessage? response = null;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{Registry}/v2/reconciler-test/busybox/manifests/{tag}");
                    request.Headers.Add("Accept", "application/vnd.docker.distribution.manifest.v2+json");
                    response = await http.SendAsync(request);
                }
                catch (HttpRequestException)
                {
                }
                if (response?.IsSuccessStatusCode != true)
                {
                    throw new InvalidOperationException(
                        $"{ImageRepo}:{tag} is not in the registry at {Registry}: run `bash tests/setup/engine.sh` to build the test images and start the registry.");
                }
            }
        }

        RequiredTools.Ensure();
        if (!File.Exists(ReconcilerDll))
        {
            throw new InvalidOperationException($"{ReconcilerDll} is missing: the test project must reference src/Reconciler.");
        }
    }

    /// <summary>A fresh compose project (and stack) name; everything labelled with it is removed at the end.</summary>
    public string NewProject()
    {
        var project = "dtest" + Guid.NewGuid().ToString("N")[..6];
        _projects.Add(project);
        return project;
    }

    public string NewDirectory(string prefix)
    {
        var dir = Path.Combine(Root, $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal OriginRepository NewOrigin()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return new OriginRepository(Path.Combine(ServedRoot, $"origin-{id}.git"), Path.Combine(Root, $"work-{id}"));
    }

    /// <summary>The project's containers (all states), as the engine lists them.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync(string project) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = Filter("label", $"{ProjectLabel}={project}"),
        });

    public async Task DisposeAsync()
    {
        foreach (var project in _projects)
        {
            await CleanUpProjectAsync(project);
        }
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
        if (_ssh.IsValueCreated)
        {
            _ssh.Value.Dispose();
        }
        Client.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes the containers (with their anonymous volumes), networks and volumes labelled with <paramref name="project"/>.</summary>
    public async Task CleanUpProjectAsync(string project)
    {
        var byLabel = Filter("label", $"{ProjectLabel}={project}");
        foreach (var c in await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = byLabel }))
        {
            await Ignore(() => Client.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }));
        }
        foreach (var n in await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = byLabel }))
        {
            await Ignore(() => Client.Networks.DeleteNetworkAsync(n.ID));
        }
        foreach (var v in (await Client.Volumes.ListAsync(new VolumesListParameters { Filters = byLabel })).Volumes ?? [])
        {
            await Ignore(() => Client.Volumes.RemoveAsync(v.Name, force: true));
        }
    }

    internal static Dictionary<string, IDictionary<string, bool>> Filter(string key, string value) =>
        new() { [key] = new Dictionary<string, bool> { [value] = true } };

    private static async Task Ignore(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DockerApiException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DaemonCollection : ICollectionFixture<DaemonFixture>
{
    public const string Name = "reconciler daemon";
}
