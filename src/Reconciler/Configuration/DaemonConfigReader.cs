using System.Collections.Immutable;
using Reconciler.Core.Compose.Shaping;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>
/// Reads the daemon's YAML config strictly: unknown keys, wrong types, duplicate names, a stack
/// naming a repo that isn't declared, and secrets written inline are all errors naming the key.
/// </summary>
public static partial class DaemonConfigReader
{
    public static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Read(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) return (null, [new ConfigError(path, 0, 0, "", "config file not found")]);
        return Parse(File.ReadAllText(path), path);
    }

    public static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string text, string path)
    {
        var errors = new List<ConfigError>();
        var ctx = new Ctx(path, errors);
        YamlMappingNode? root;
        var parser = new Parser(new StringReader(text));
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
        }
        catch (YamlException e)
        {
            return (null, [new ConfigError(path, (int)e.Start.Line, (int)e.Start.Column, "", "YAML syntax error: " + e.Message)]);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed "[") this way, without a
            // position: the last event the parser read is where the trouble starts.
            var at = parser.Current?.Start;
            return (null, [new ConfigError(path, (int)(at?.Line ?? 0), (int)(at?.Column ?? 0), "", "YAML syntax error: " + e.Message + " (an unclosed [ or {?)")]);
        }
        if (root is null) return (null, [new ConfigError(path, 1, 1, "", "the config must be a mapping with repos: and stacks:")]);

        var dir = System.IO.Path.GetDirectoryName(path)!;
        ctx.Keys(root, "", "docker", "state_dir", "metrics", "webhook", "telemetry", "prune_stacks", "limits", "policy", "image_gc", "notifications", "repos", "stacks");
        var fleetLimits = ReadLimits(ctx, root, "", Core.Compose.LoadLimits.Default);
        var fleetPolicy = ReadPolicy(ctx, root, "", Core.Guardrails.GuardrailSettings.Default);
        var imageGc = ReadImageGc(ctx, root);
        var docker = ctx.Map(root, "docker", "docker");
        if (docker is not null) ctx.Keys(docker, "docker", "host", "cache", "resync_interval");
        var metrics = ctx.Map(root, "metrics", "metrics");
        if (metrics is not null) ctx.Keys(metrics, "metrics", "listen", "status_token_file");
        var metricsListen = (metrics is null ? null : ctx.Str(metrics, "listen", "metrics")) ?? "127.0.0.1:9464";
        if (metrics is not null) ctx.Address(metrics, "listen", "metrics");
        var webhook = ctx.Map(root, "webhook", "webhook");
        if (webhook is not null) ctx.Keys(webhook, "webhook", "listen");
        var webhookListen = webhook is null ? null : ctx.Str(webhook, "listen", "webhook");
        if (webhook is not null && ctx.Address(webhook, "listen", "webhook") && webhookListen == metricsListen)
            ctx.Error(webhook, "webhook.listen", "is the same address as metrics.listen: give the webhook its own address, or remove webhook: to serve it on metrics.listen");
        var telemetry = ctx.Map(root, "telemetry", "telemetry");
        if (telemetry is not null) ctx.Keys(telemetry, "telemetry", "otlp_endpoint");

        var repos = new List<RepoConfig>();
        var repoSeq = ctx.Seq(root, "repos", "repos");
        for (var i = 0; i < (repoSeq?.Children.Count ?? 0); i++)
        {
            var p = $"repos[{i}]";
            if (repoSeq!.Children[i] is not YamlMappingNode r) { ctx.Error(repoSeq.Children[i], p, "must be a mapping"); continue; }
            ctx.Keys(r, p, "name", "url", "branch", "interval", "auth", "webhook_secret_file", "age_key_file", "verify", "forge");
            var name = ctx.Required(r, "name", p);
            var url = ctx.Required(r, "url", p);
            if (name is null || url is null) continue;
            if (UrlCredentialProblem(url) is { } credentials) ctx.Error(r, p + ".url", credentials);
            RepoAuth? auth = null;
            if (ctx.Map(r, "auth", p + ".auth") is { } a)
            {
                ctx.Keys(a, p + ".auth", "username", "password_file", "password_env", "ssh_key_file", "known_hosts_file");
                auth = new RepoAuth
                {
                    Username = ctx.Str(a, "username", p + ".auth"),
                    PasswordFile = Abs(ctx.Str(a, "password_file", p + ".auth"), dir),
                    PasswordEnv = ctx.Str(a, "password_env", p + ".auth"),
                    SshKeyFile = Abs(ctx.Str(a, "ssh_key_file", p + ".auth"), dir),
                    KnownHostsFile = Abs(ctx.Str(a, "known_hosts_file", p + ".auth"), dir),
                };
                // Said here, naming the key, rather than when the daemon builds the repo's mirror.
                if (!Reconciler.Git.GitRemote.IsSshUrl(url))
                {
                    if (auth.SshKeyFile is not null) ctx.Error(a, p + ".auth.ssh_key_file", "needs an ssh:// or user@host:path url");
                    if (auth.KnownHostsFile is not null) ctx.Error(a, p + ".auth.known_hosts_file", "needs an ssh:// or user@host:path url");
                }
            }
            if (repos.Any(x => x.Name == name)) ctx.Error(r, p + ".name", $"duplicate repo name \"{name}\"");
            repos.Add(new RepoConfig
            {
                Name = name,
                Url = IsRemote(url) ? url : System.IO.Path.GetFullPath(url.StartsWith("file://", StringComparison.Ordinal) ? url[7..] : url, dir),
                Branch = ctx.Str(r, "branch", p) ?? "main",
                Interval = ctx.Duration(r, "interval", p) ?? TimeSpan.FromSeconds(30),
                Auth = auth,
                WebhookSecretFile = Abs(ctx.Str(r, "webhook_secret_file", p), dir),
                AgeKeyFile = Abs(ctx.Str(r, "age_key_file", p), dir),
                Verify = ReadVerify(ctx, r, p, dir),
                Forge = ReadForge(ctx, r, p, dir),
            });
        }

        var stacks = new List<StackConfig>();
        var stackSeq = ctx.Seq(root, "stacks", "stacks");
        for (var i = 0; i < (stackSeq?.Children.Count ?? 0); i++)
        {
            var p = $"stacks[{i}]";
            if (stackSeq!.Children[i] is not YamlMappingNode s) { ctx.Error(stackSeq.Children[i], p, "must be a mapping"); continue; }
            ctx.Keys(s, p, "name", "repo", "path", "files", "profiles", "env_files", "project", "prune", "self_heal",
                "drift_interval", "suspend", "health_timeout", "rollback", "host_files", "variables", "pass_env", "limits", "policy", "age_key_file");
            var name = ctx.Required(s, "name", p);
            var repo = ctx.Required(s, "repo", p);
            if (name is null || repo is null) continue;
            if (!repos.Any(r => r.Name == repo)) ctx.Error(s, p + ".repo", $"no repo named \"{repo}\" under repos:");
            if (stacks.Any(x => x.Name == name)) ctx.Error(s, p + ".name", $"duplicate stack name \"{name}\"");
            var project = ctx.Str(s, "project", p);
            var projectName = project ?? name;
            if (!Core.Compose.Loading.ProjectName.IsValid(projectName))
                ctx.Error(s, p + (project is null ? ".name" : ".project"), $"\"{projectName}\" is not a valid compose project name (lowercase letters, digits, - and _); set project:");
            var rollback = ctx.Str(s, "rollback", p) ?? "auto";
            if (rollback is not ("auto" or "off")) ctx.Error(s, p + ".rollback", "must be auto or off");
            var path2 = (ctx.Str(s, "path", p) ?? ".").Trim('/');
            if (path2.Split('/').Contains("..")) ctx.Error(s, p + ".path", "must stay inside the repo (no ..)");
            var variables = ReadVariables(ctx, s, p);
            stacks.Add(new StackConfig
            {
                Name = name,
                Repo = repo,
                Path = path2.Length == 0 ? "." : path2,
                Files = [.. ctx.Strings(s, "files", p)],
                Profiles = [.. ctx.Strings(s, "profiles", p)],
                EnvFiles = [.. ctx.Strings(s, "env_files", p)],
                Project = project,
                Prune = ctx.Bool(s, "prune", p) ?? true,
                SelfHeal = ctx.Bool(s, "self_heal", p) ?? true,
                DriftInterval = ctx.Duration(s, "drift_interval", p) ?? TimeSpan.FromSeconds(60),
                Suspend = ctx.Bool(s, "suspend", p) ?? false,
                HealthTimeout = ctx.Duration(s, "health_timeout", p) ?? TimeSpan.FromMinutes(2),
                Rollback = rollback,
                HostFiles = ReadHostFiles(ctx, s, p),
                Variables = variables,
                PassEnv = ReadPassEnv(ctx, s, p, variables),
                Limits = ReadLimits(ctx, s, p, fleetLimits),
                Policy = ReadPolicy(ctx, s, p, fleetPolicy),
                AgeKeyFile = Abs(ctx.Str(s, "age_key_file", p), dir) ?? repos.FirstOrDefault(r => r.Name == repo)?.AgeKeyFile,
            });
        }
        if (repos.Count == 0 && errors.Count == 0) ctx.Error(root, "repos", "declare at least one repo");
        var notifications = ReadNotifications(ctx, root, dir, [.. stacks.Select(s => s.Name)]);

        if (telemetry is not null && ctx.Str(telemetry, "otlp_endpoint", "telemetry") is { } otlp
            && TelemetrySettings.OtlpEndpointError(otlp) is { } otlpError)
            ctx.Error(telemetry, "telemetry.otlp_endpoint", otlpError);
        var stateDir = ctx.Str(root, "state_dir", "") is { } sd ? System.IO.Path.GetFullPath(sd, dir) : "/var/lib/reconciler";
        var config = new DaemonConfig
        {
            Path = path,
            DockerHost = docker is null ? null : ctx.Str(docker, "host", "docker"),
            EngineCache = (docker is null ? null : ctx.Bool(docker, "cache", "docker")) ?? true,
            ResyncInterval = (docker is null ? null : ctx.Duration(docker, "resync_interval", "docker")) ?? TimeSpan.FromMinutes(10),
            StateDir = stateDir,
            MetricsListen = metricsListen,
            WebhookListen = webhookListen,
            StatusTokenFile = metrics is null ? null : Abs(ctx.Str(metrics, "status_token_file", "metrics"), dir),
            OtlpEndpoint = telemetry is null ? null : ctx.Str(telemetry, "otlp_endpoint", "telemetry"),
            PruneStacks = ctx.Bool(root, "prune_stacks", "") ?? false,
            Policy = fleetPolicy,
            ImageGc = imageGc,
            Notifications = notifications,
            Repos = [.. repos],
            Stacks = [.. stacks],
        };
        return errors.Count > 0 ? (null, errors) : (config, errors);
    }

    private static bool IsRemote(string url) =>
        url.Contains("://", StringComparison.Ordinal) && !url.StartsWith("file://", StringComparison.Ordinal)
        || (url.Contains('@') && url.Contains(':'));

    /// <summary>
    /// Why <paramref name="url"/> must not be used because it carries a secret, or null. Said without
    /// quoting the url: the secret would land in the terminal, the journal and CI logs. Any user part
    /// of an http(s) url counts (a forge token works as the user name alone); an ssh user is only a
    /// name unless it carries a password.
    /// </summary>
    internal static string? UrlCredentialProblem(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        string userInfo;
        if (scheme > 0)
        {
            var rest = url[(scheme + 3)..];
            var authority = rest[..(rest.IndexOfAny(['/', '?', '#']) is >= 0 and var end ? end : rest.Length)];
            var at = authority.LastIndexOf('@');
            if (at < 0) return null;
            userInfo = authority[..at];
            var web = url[..scheme].ToLowerInvariant() is "http" or "https";
            if (!web && !userInfo.Contains(':')) return null;
        }
        else
        {
            // scp-like user@host:path: a password would sit between the user and the @.
            var at = url.IndexOf('@');
            var colon = url.IndexOf(':');
            if (at < 0 || colon < 0 || colon > at || url.StartsWith('/') || url.StartsWith('.')) return null;
            userInfo = url[..at];
        }
        return userInfo.Length == 0 ? null
            : "credentials in the url are refused (they would show in logs and status): put the user in auth.username and the password or token in a file named by auth.password_file (mode 600)";
    }

    /// <summary><c>verify:</c> of a repo: a mode and at least one source of allowed keys.</summary>
    private static RepoVerify? ReadVerify(Ctx ctx, YamlMappingNode repo, string p, string dir)
    {
        if (ctx.Map(repo, "verify", p + ".verify") is not { } v) return null;
        ctx.Keys(v, p + ".verify", "mode", "ssh_allowed_signers_file", "gpg_keyring_file");
        var mode = ctx.Str(v, "mode", p + ".verify") ?? "head";
        if (mode != "head")
            ctx.Error(v, p + ".verify.mode", mode == "tag" ? "tag is not supported yet: use head (the branch's head commit must be signed)" : "must be head (the branch's head commit must be signed)");
        var verify = new RepoVerify
        {
            Mode = mode,
            SshAllowedSignersFile = Abs(ctx.Str(v, "ssh_allowed_signers_file", p + ".verify"), dir),
            GpgKeyringFile = Abs(ctx.Str(v, "gpg_keyring_file", p + ".verify"), dir),
        };
        if (verify.SshAllowedSignersFile is null && verify.GpgKeyringFile is null)
            ctx.Error(v, p + ".verify", "name the allowed keys: ssh_allowed_signers_file (ssh-keygen's allowed signers format) and/or gpg_keyring_file (a keyring of OpenPGP public keys)");
        return verify;
    }

    private static string? Abs(string? p, string dir) => p is null ? null : System.IO.Path.GetFullPath(p, dir);

    private sealed class Ctx(string file, List<ConfigError> errors)
    {
        public void Error(YamlNode at, string path, string message) =>
            errors.Add(new ConfigError(file, (int)at.Start.Line, (int)at.Start.Column, path, message));

        private static YamlNode? Get(YamlMappingNode m, string key) =>
            m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public YamlNode? Node(YamlMappingNode m, string key) => Get(m, key);

        public void Keys(YamlMappingNode m, string path, params string[] known)
        {
            foreach (var (k, _) in m.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(key))
                {
                    var hint = key is "password" or "token" or "secret" or "ssh_key"
                        ? " (secrets are never written inline: use password_file, password_env or ssh_key_file)"
                        : $" (known keys: {string.Join(", ", known)})";
                    Error(k, path.Length == 0 ? key : $"{path}.{key}", "unknown key" + hint);
                }
            }
        }

        public YamlMappingNode? Map(YamlMappingNode m, string key, string path)
        {
            var v = Get(m, key);
            if (v is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
            if (v is YamlMappingNode map) return map;
            Error(v, path, "must be a mapping");
            return null;
        }

        public YamlSequenceNode? Seq(YamlMappingNode m, string key, string path)
        {
            var v = Get(m, key);
            if (v is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
            if (v is YamlSequenceNode seq) return seq;
            Error(v, path, "must be a list");
            return null;
        }

        public string? Str(YamlMappingNode m, string key, string path)
        {
            var v = Get(m, key);
            if (v is null) return null;
            if (v is YamlScalarNode s) return s.Value is null or "" or "~" or "null" && s.Style == ScalarStyle.Plain ? null : s.Value;
            Error(v, path.Length == 0 ? key : $"{path}.{key}", "must be a string");
            return null;
        }

        /// <summary>Checks that the key, when present, is an address:port; false when it is not.</summary>
        public bool Address(YamlMappingNode m, string key, string path)
        {
            var s = Str(m, key, path);
            if (s is null || System.Net.IPEndPoint.TryParse(s, out var e) && e.Port > 0) return true;
            Error(Get(m, key)!, $"{path}.{key}", $"\"{s}\" is not an address:port (like 127.0.0.1:9464, or 0.0.0.0:9465 for every interface)");
            return false;
        }

        public string? Required(YamlMappingNode m, string key, string path)
        {
            var s = Str(m, key, path);
            if (string.IsNullOrWhiteSpace(s)) Error(m, $"{path}.{key}", "is required");
            return string.IsNullOrWhiteSpace(s) ? null : s;
        }

        public bool? Bool(YamlMappingNode m, string key, string path)
        {
            var s = Str(m, key, path);
            if (s is null) return null;
            if (s is "true" or "True" or "TRUE") return true;
            if (s is "false" or "False" or "FALSE") return false;
            Error(Get(m, key)!, path.Length == 0 ? key : $"{path}.{key}", $"must be true or false, not \"{s}\"");
            return null;
        }

        public TimeSpan? Duration(YamlMappingNode m, string key, string path)
        {
            var s = Str(m, key, path);
            if (s is null) return null;
            if (GoDuration.TryParse(s, out var ns) && ns > 0) return TimeSpan.FromTicks(ns / 100);
            Error(Get(m, key)!, $"{path}.{key}", $"invalid duration \"{s}\": use a number with a unit, like 30s or 1m");
            return null;
        }

        public List<string> Strings(YamlMappingNode m, string key, string path)
        {
            var v = Get(m, key);
            if (v is null) return [];
            if (v is YamlScalarNode s && s.Value is { Length: > 0 } one) return [one];
            if (v is YamlSequenceNode seq) return seq.Children.OfType<YamlScalarNode>().Select(x => x.Value ?? "").ToList();
            Error(v, $"{path}.{key}", "must be a list of strings");
            return [];
        }
    }
}
