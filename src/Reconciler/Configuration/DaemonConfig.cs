using System.Collections.Immutable;

namespace Reconciler.Configuration;

/// <summary>The daemon's configuration file, checked and with defaults filled in.</summary>
public sealed record DaemonConfig
{
    /// <summary>Where the file was read from; relative paths in it resolve against its directory.</summary>
    public required string Path { get; init; }
    /// <summary>
    /// <c>host_id</c>: this host's name in the fleet (default: the machine's hostname). It picks the
    /// host file (<see cref="Fleet"/>) and labels status, logs and <c>reconciler_host_info</c>.
    /// </summary>
    public string HostId { get; init; } = "localhost";
    /// <summary><c>fleet:</c> the host file in a repo that lists more stacks for this host; null: only <see cref="Stacks"/>.</summary>
    public FleetConfig? Fleet { get; init; }
    /// <summary>The fleet-wide <c>limits:</c>; stacks of the host file get these (local stacks may set their own).</summary>
    public Core.Compose.LoadLimits Limits { get; init; } = Core.Compose.LoadLimits.Default;
    public string? DockerHost { get; init; }
    /// <summary>
    /// <c>docker.cache</c>: passes read the engine's state from one in-memory copy kept current by the
    /// engine's event stream, and container events wake their stack at once (on by default).
    /// Off: every pass lists from the engine and drift is seen at <c>drift_interval</c> only.
    /// </summary>
    public bool EngineCache { get; init; } = true;
    /// <summary><c>docker.resync_interval</c>: how often the cache lists everything again and reports what it had wrong.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(10);
    public required string StateDir { get; init; }
    public string MetricsListen { get; init; } = "127.0.0.1:9464";
    /// <summary>
    /// <c>webhook.listen</c>: a separate address for <c>POST /hooks/git/{repo}</c>, so the webhook can be
    /// exposed while <c>/metrics</c> and <c>/status</c> stay on loopback. Null: the webhook is served on
    /// <see cref="MetricsListen"/>.
    /// </summary>
    public string? WebhookListen { get; init; }
    /// <summary><c>metrics.status_token_file</c>: when set, <c>/status</c> needs <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? StatusTokenFile { get; init; }
    public string? OtlpEndpoint { get; init; }
    /// <summary>Remove a stack's containers when its compose files disappear from git (off by default).</summary>
    public bool PruneStacks { get; init; }
    /// <summary>The fleet-wide guardrail levels (<c>policy:</c>); each stack's <see cref="StackConfig.Policy"/> starts from these.</summary>
    public Core.Guardrails.GuardrailSettings Policy { get; init; } = Core.Guardrails.GuardrailSettings.Default;
    /// <summary><c>image_gc:</c> removal of images no deploy needs any more.</summary>
    public ImageGcSettings ImageGc { get; init; } = new();
    /// <summary><c>notifications:</c> providers that hear of deploys, failures, rollbacks, drift and held commits.</summary>
    public NotificationSettings Notifications { get; init; } = new();
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
    /// <summary><c>age_key_file</c>: age identities that decrypt the sops files of this repo's stacks (a stack may name its own).</summary>
    public string? AgeKeyFile { get; init; }
    /// <summary><c>verify:</c>: deploy only commits (or tags) signed by an allowed key. Null: no check.</summary>
    public RepoVerify? Verify { get; init; }
    /// <summary><c>forge:</c> deploy statuses on commits and plan previews on pull requests. Null: neither.</summary>
    public ForgeSettings? Forge { get; init; }
}

/// <summary>
/// <c>verify:</c> of a repo: which signature a commit needs before any stack deploys it. SSH
/// signatures are checked against <see cref="SshAllowedSignersFile"/> (ssh-keygen's allowed
/// signers format), OpenPGP ones against the public keys in <see cref="GpgKeyringFile"/> (gpgv).
/// </summary>
public sealed record RepoVerify
{
    /// <summary><c>head</c> (the only mode so far): the branch's head commit must be signed by an allowed key.</summary>
    public string Mode { get; init; } = "head";
    public string? SshAllowedSignersFile { get; init; }
    public string? GpgKeyringFile { get; init; }
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

/// <summary>The engine a stack is converged on (<c>engine:</c>).</summary>
public enum StackEngine { Host, Swarm }

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
    /// <summary>
    /// Where the stack runs: <see cref="StackEngine.Host"/> (containers on this host's engine, as docker
    /// compose) or <see cref="StackEngine.Swarm"/> (services on the Swarm this host manages, as docker stack deploy).
    /// </summary>
    public StackEngine Engine { get; init; } = StackEngine.Host;
    /// <summary>
    /// Host paths (files or directories, absolute) that this stack's compose files may read or hand
    /// to a container (<c>env_file</c>, <c>secrets.file</c>, <c>configs.file</c>, <c>include</c>,
    /// <c>extends.file</c>) although they lie outside the rendered repo tree.
    /// </summary>
    public ImmutableArray<string> HostFiles { get; init; } = [];
    /// <summary>Variables for interpolation, given in the daemon config (win over the stack's <c>.env</c>).</summary>
    public ImmutableDictionary<string, string> Variables { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Names of daemon environment variables passed to the stack's interpolation; no others are.</summary>
    public ImmutableArray<string> PassEnv { get; init; } = [];
    /// <summary>The load budget (<c>limits:</c>): file size, nesting depth, expansion.</summary>
    public Core.Compose.LoadLimits Limits { get; init; } = Core.Compose.LoadLimits.Default;
    /// <summary>The guardrail rules' levels for this stack's commits: the fleet's <c>policy:</c> with the stack's over it.</summary>
    public Core.Guardrails.GuardrailSettings Policy { get; init; } = Core.Guardrails.GuardrailSettings.Default;
    /// <summary>
    /// <c>age_key_file</c> (the stack's, else its repo's): sops-encrypted files in the stack's folder are
    /// decrypted with it when a commit is rendered. Null: files are rendered as git holds them.
    /// </summary>
    public string? AgeKeyFile { get; init; }

    /// <summary>Which file (and commit, for a host file) declared the stack; null for stacks built in code.</summary>
    public StackOrigin? Origin { get; init; }

    public string ProjectName => Project ?? Name;
}
