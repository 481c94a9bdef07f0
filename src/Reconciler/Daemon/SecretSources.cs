using Reconciler.Configuration;
using Reconciler.Git;

namespace Reconciler.Daemon;

/// <summary>Secrets come from files or environment variables named in the config, read when needed, never logged.</summary>
public static class SecretSources
{
    /// <summary>The git side of a configured repo: where it is, how to log in, which ssh host keys to trust.</summary>
    public static GitRemote RemoteFor(RepoConfig repo) => new()
    {
        Name = repo.Name,
        Url = repo.Url,
        Branch = repo.Branch,
        Auth = AuthFor(repo),
        KnownHostsFile = repo.Auth?.KnownHostsFile,
    };

    public static GitAuth AuthFor(RepoConfig repo)
    {
        var auth = repo.Auth;
        if (auth is null) return GitAuth.None;
        if (auth.SshKeyFile is { } key) return new GitSshKeyAuth(key);
        var password = auth.PasswordFile is { } f ? ReadSecretFile(f)
            : auth.PasswordEnv is { } env ? System.Environment.GetEnvironmentVariable(env) : null;
        if (password is null) return GitAuth.None;
        return new GitHttpAuth(auth.Username ?? "git", password);
    }

    public static string? ReadSecretFile(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
