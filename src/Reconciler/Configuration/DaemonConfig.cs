using System.Collections.Immutable;

namespace Reconciler.Configuration;

/// <summary>The daemon's configuration file, checked and with defaults filled in.</summary>
public sealed record DaemonConfig
{
    /// <summary>Where the file was read from; relative paths in it resolve against its directory.</summary>
    public required string Path { get; init; }
    public string? DockerHost { get; init; }
    public required string StateDir { get; init; }
    public string MetricsListen { get; init; } = "127.0.0.1:9464";
    public string? OtlpEndpoint { get; init; }
    /// <summary>Remove a stack's containers when its compose files disappear from git (off by default).</summary>
    public bool PruneStacks { get; init; }
    public ImmutableArray<RepoConfig> Repos { get; init; } = [];
    public ImmutableArray<StackConfig> Stacks { get; init; } = [];
}

public sealed record RepoConfig
{
    public required string Name { get; init; }
    /// <summary>https://, ssh://, git@host:path, file:// or a local path (made absolute against the config file).</summary>
    public required string Url { get; init; }
    public string Branch { get; init; } = "main";
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);
    public RepoAuth? Auth { get; init; }
    /// <summary>File holding the shared secret for <c>POST /hooks/git/{repo}</c>; no file, no webhook.</summary>
    public string? WebhookSecretFile { get; init; }
}

/// <summary>Where a repo's credentials come from: files or environment variables, never inline.</summary>
public sealed record RepoAuth
{
    public string? Username { get; init; }
    public string? PasswordFile { get; init; }
    public string? PasswordEnv { get; init; }
    public string? SshKeyFile { get; init; }
    public string? KnownHostsFile { get; init; }
}

public sealed record StackConfig
{
    public required string Name { get; init; }
    public required string Repo { get; init; }
    /// <summary>Folder in the repo holding compose.yaml (and .env).</summary>
    public required string Path { get; init; }
    public ImmutableArray<string> Files { get; init; } = [];
    public ImmutableArray<string> Profiles { get; init; } = [];
    public ImmutableArray<string> EnvFiles { get; init; } = [];
    /// <summary>The compose project name; defaults to the stack name.</summary>
    public string? Project { get; init; }
    public bool Prune { get; init; } = true;
    public bool SelfHeal { get; init; } = true;
    public TimeSpan DriftInterval { get; init; } = TimeSpan.FromSeconds(60);
    public bool Suspend { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public string Rollback { get; init; } = "auto";

    public string ProjectName => Project ?? Name;
}
