namespace Reconciler.Core.Desired;

/// <summary>The labels Docker Compose v2 puts on what it creates; we put the same so its CLI works on ours.</summary>
public static class ComposeLabels
{
    public const string Project = "com.docker.compose.project";
    public const string Service = "com.docker.compose.service";
    public const string Number = "com.docker.compose.container-number";
    public const string Oneoff = "com.docker.compose.oneoff";
    public const string ConfigHash = "com.docker.compose.config-hash";
    public const string DependsOn = "com.docker.compose.depends_on";
    public const string Image = "com.docker.compose.image";
    public const string Version = "com.docker.compose.version";
    public const string WorkingDir = "com.docker.compose.project.working_dir";
    public const string ConfigFiles = "com.docker.compose.project.config_files";
    public const string EnvironmentFile = "com.docker.compose.project.environment_file";
    public const string Network = "com.docker.compose.network";
    public const string Volume = "com.docker.compose.volume";
    public const string Replace = "com.docker.compose.replace";

    /// <summary>The compose version we claim in labels: the one whose behaviour we follow.</summary>
    public const string CompatibleComposeVersion = "2.26.1";

    /// <summary>Reconciler's own: the git commit a container was deployed from (set by the daemon).</summary>
    public const string Commit = "dev.reconciler.commit";

    /// <summary>
    /// Reconciler's own: the digest of the project files the container bind-mounts. compose's config
    /// hash leaves file contents out; a container without this label was created by compose itself.
    /// </summary>
    public const string ContentHash = "dev.reconciler.content-hash";
}
