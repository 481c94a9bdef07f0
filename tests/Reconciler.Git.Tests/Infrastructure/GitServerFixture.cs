using System.Collections.Concurrent;

namespace Reconciler.Git.Tests.Infrastructure;

/// <summary>The transports a remote can be reached by in these tests.</summary>
public enum Transport
{
    FileUrl,
    PlainPath,
    Ssh,
    Http,
}

/// <summary>
/// Real git servers on loopback for every integration test: bare repositories on disk (file:// and
/// plain paths), sshd serving them over ssh://, and git http-backend over http:// with basic auth.
/// Missing packages are installed with apt-get; when that fails the tests fail, they never skip.
/// </summary>
public sealed class GitServerFixture : IDisposable
{
    public const string HttpUser = "tester";
    public const string HttpPassword = "Pw-7f3a9c-never-shown";

    private readonly ConcurrentBag<string> _dirs = [];
    private readonly SshServer _ssh;
    private readonly GitHttpServer _http;

    public GitServerFixture()
    {
        RequiredTools.Ensure();
        Root = Directory.CreateTempSubdirectory("reconciler-git-tests-").FullName;
        ServedRoot = Path.Combine(Root, "served");
        Directory.CreateDirectory(ServedRoot);
        _ssh = new SshServer(Path.Combine(Root, "ssh"));
        _http = new GitHttpServer(ServedRoot, HttpUser, HttpPassword);
    }

    public string Root { get; }

    /// <summary>Where the origin bare repositories live (the http server's project root).</summary>
    public string ServedRoot { get; }

    internal SshServer Ssh => _ssh;
    internal GitHttpServer Http => _http;

    internal OriginRepository NewOrigin(string branch = "main")
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return new OriginRepository(Path.Combine(ServedRoot, $"origin-{id}.git"), Path.Combine(Root, $"work-{id}"), branch);
    }

    public string NewDirectory(string prefix = "state")
    {
        var dir = Path.Combine(Root, $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        _dirs.Add(dir);
        return dir;
    }

    internal string UrlFor(Transport transport, OriginRepository origin) => transport switch
    {
        Transport.FileUrl => origin.FileUrl,
        Transport.PlainPath => origin.BarePath,
        Transport.Ssh => _ssh.UrlFor(origin.BarePath),
        Transport.Http => _http.UrlFor(Path.GetFileName(origin.BarePath)),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    internal GitAuth AuthFor(Transport transport) => transport switch
    {
        Transport.Ssh => new GitSshKeyAuth(_ssh.ClientKey),
        Transport.Http => new GitHttpAuth(HttpUser, HttpPassword),
        _ => GitAuth.None,
    };

    internal GitRemote RemoteFor(Transport transport, OriginRepository origin, string name = "app") => new()
    {
        Name = name,
        Url = UrlFor(transport, origin),
        Branch = origin.Branch,
        Auth = AuthFor(transport),
    };

    /// <summary>Short timeouts, so failure tests end quickly.</summary>
    public static GitNetworkTimeouts Fast { get; } = new() { Connect = TimeSpan.FromSeconds(2), Idle = TimeSpan.FromSeconds(2) };

    /// <summary>For tests that expect success: an ssh handshake on a loaded CI machine can take over 4 s.</summary>
    public static GitNetworkTimeouts Patient { get; } = new() { Connect = TimeSpan.FromSeconds(30), Idle = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _ssh.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GitServersCollection : ICollectionFixture<GitServerFixture>
{
    public const string Name = "git servers";
}
