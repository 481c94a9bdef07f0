namespace Reconciler.Configuration;

/// <summary>
/// The secret files a config names (<c>auth.password_file</c>, <c>auth.ssh_key_file</c>,
/// <c>webhook_secret_file</c>, <c>metrics.status_token_file</c>) must exist, be readable and not be
/// open to other users: checked by <c>validate</c> and before the daemon starts, so that a missing
/// token is not silently anonymous access. ssh's rule for keys: nothing for others; nothing for the
/// group either when the file belongs to the daemon's own user (a root-owned file shared with the
/// daemon's group, <c>install -m 0640 -o root -g reconciler</c>, is fine, also when checked as root).
/// </summary>
internal static class SecretFiles
{
    private const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode Group = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    /// <summary>Every secret file the config names, with its key path.</summary>
    public static IEnumerable<(string KeyPath, string File)> Named(DaemonConfig config)
    {
        for (var i = 0; i < config.Repos.Length; i++)
        {
            var repo = config.Repos[i];
            if (repo.Auth?.PasswordFile is { } password) yield return ($"repos[{i}].auth.password_file", password);
            if (repo.Auth?.SshKeyFile is { } key) yield return ($"repos[{i}].auth.ssh_key_file", key);
            if (repo.WebhookSecretFile is { } webhook) yield return ($"repos[{i}].webhook_secret_file", webhook);
            if (repo.AgeKeyFile is { } age) yield return ($"repos[{i}].age_key_file", age);
            if (repo.Forge?.TokenFile is { } forgeToken) yield return ($"repos[{i}].forge.token_file", forgeToken);
        }
        for (var i = 0; i < config.Stacks.Length; i++)
        {
            var stack = config.Stacks[i];
            var repo = config.Repos.FirstOrDefault(r => r.Name == stack.Repo);
            if (stack.AgeKeyFile is { } age && age != repo?.AgeKeyFile) yield return ($"stacks[{i}].age_key_file", age);
        }
        if (config.StatusTokenFile is { } token) yield return ("metrics.status_token_file", token);
        for (var i = 0; i < config.Notifications.Providers.Length; i++)
        {
            var n = config.Notifications.Providers[i];
            if (n.UrlFile is { } urlFile) yield return ($"notifications.providers[{i}].url_file", urlFile);
            if (n.SecretFile is { } secret)
                yield return ($"notifications.providers[{i}].{(n.Kind == NotifierKind.Ntfy ? "token_file" : "secret_file")}", secret);
        }
    }

    public static IReadOnlyList<ConfigError> Check(DaemonConfig config) =>
        [.. Named(config).Select(s => Problem(s.File) is { } problem ? new ConfigError(config.Path, 0, 0, s.KeyPath, problem) : null).OfType<ConfigError>()];

    /// <summary>What is wrong with <paramref name="path"/> as a secret file for this process, or null.</summary>
    public static string? Problem(string path)
    {
        if (Directory.Exists(path)) return $"{path} is a directory: name the file holding the secret";
        if (!File.Exists(path)) return $"{path} does not exist: create it (mode 600) or remove the key";
        if (UnixFileStatus.Of(path) is { } status && UnixFileStatus.EffectiveUserId is { } me
            && ModeProblem(path, status.Mode, status.OwnerId, me) is { } modeProblem)
            return modeProblem;
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length == 0) return $"{path} is empty: write the secret into it";
        }
        catch (UnauthorizedAccessException)
        {
            return $"{path} cannot be read by this user: make it readable by the daemon's user or group (chmod 640 and chgrp)";
        }
        catch (IOException e)
        {
            return $"{path} cannot be read: {e.Message}";
        }
        return null;
    }

    /// <summary>The permission rule alone: <paramref name="mode"/> of a file owned by <paramref name="owner"/>, read by <paramref name="reader"/>.</summary>
    public static string? ModeProblem(string path, UnixFileMode mode, uint owner, uint reader)
    {
        var octal = Convert.ToString((int)mode, 8).PadLeft(3, '0');
        if ((mode & Others) != 0)
            return $"{path} is open to every user on the host (mode {octal}): chmod 600 {path}";
        // root sharing its own file with a group is the packaged layout, and `sudo reconciler
        // validate` checks it as root: only a non-root owner running the daemon is held to 600.
        if ((mode & Group) != 0 && owner == reader && reader != 0)
            return $"{path} is open to its group and owned by the daemon's own user (mode {octal}): chmod 600 {path}, or let root own it and share it by group (install -m 0640 -o root -g GROUP)";
        return null;
    }
}
