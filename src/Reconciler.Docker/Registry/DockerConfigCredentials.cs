using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Reconciler.Docker.Registry;

/// <summary>Finds the credentials to send to a registry.</summary>
public interface IRegistryCredentialProvider
{
    /// <param name="registryHost">host[:port] as <see cref="ImageReference.RegistryHost"/> gives it (docker.io for Docker Hub).</param>
    ValueTask<CredentialLookup> FindAsync(string registryHost, CancellationToken ct = default);
}

/// <summary>Registry credentials. <see cref="ToString"/> never shows the secret.</summary>
public sealed class RegistryCredential
{
    public required string ServerAddress { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    /// <summary>An OAuth identity token (config.json <c>identitytoken</c>, or a helper's "&lt;token&gt;" user).</summary>
    public string? IdentityToken { get; init; }

    internal AuthConfig ToAuthConfig() => new()
    {
        ServerAddress = ServerAddress,
        Username = Username,
        Password = Password,
        IdentityToken = IdentityToken,
    };

    public override string ToString() =>
        $"RegistryCredential {{ ServerAddress = {ServerAddress}, Username = {Username ?? "(none)"}, Secret = {(Password is null && IdentityToken is null ? "(none)" : "***")} }}";
}

/// <param name="Credential">Null when nothing applies: the pull goes out anonymously.</param>
/// <param name="Source">Where the credential came from or why there is none, for messages. Never contains secrets.</param>
public sealed record CredentialLookup(RegistryCredential? Credential, string Source);

/// <summary>A Docker config file that cannot be used.</summary>
public sealed class RegistryCredentialException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Registry credentials from the Docker CLI config (<c>$DOCKER_CONFIG/config.json</c>, else
/// <c>~/.docker/config.json</c>), read afresh on every lookup. Order, as the Docker CLI does it:
/// <c>credHelpers[host]</c>, else <c>credsStore</c>, run as <c>docker-credential-&lt;name&gt; get</c>;
/// when no helper applies, is not installed or has nothing, the <c>auths</c> entry (base64 <c>auth</c>,
/// or <c>username</c>/<c>password</c>, or <c>identitytoken</c>). Entries match on the registry host;
/// Docker Hub's aliases (docker.io, index.docker.io, registry-1.docker.io) are one host.
/// </summary>
public sealed class DockerConfigCredentials : IRegistryCredentialProvider
{
    private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(30);

    public DockerConfigCredentials(string configDirectory)
    {
        ConfigDirectory = configDirectory;
        ConfigFile = Path.Combine(configDirectory, "config.json");
    }

    public string ConfigDirectory { get; }
    public string ConfigFile { get; }

    /// <summary>Lets tests and unusual hosts run helpers from elsewhere; defaults to a PATH lookup.</summary>
    internal Func<string, string?> FindExecutable { get; init; } = FindOnPath;

    public static DockerConfigCredentials FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var dir = environment("DOCKER_CONFIG");
        if (string.IsNullOrWhiteSpace(dir))
        {
            var home = environment("HOME");
            if (string.IsNullOrWhiteSpace(home))
            {
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            }
            dir = Path.Combine(home, ".docker");
        }
        return new DockerConfigCredentials(dir);
    }

    public async ValueTask<CredentialLookup> FindAsync(string registryHost, CancellationToken ct = default)
    {
        var host = ImageReference.NormalizeHost(registryHost);
        if (!File.Exists(ConfigFile))
        {
            return new CredentialLookup(null, $"no Docker config file at {ConfigFile}");
        }

        JsonDocument doc;
        try
        {
            await using var stream = File.OpenRead(ConfigFile);
            doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new RegistryCredentialException($"cannot read the Docker config file {ConfigFile}: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryCredentialException($"the Docker config file {ConfigFile} is not a JSON object");
            }

            var notes = new List<string>();
            var helper = HelperFor(root, host);
            if (helper is not null)
            {
                var (credential, note) = await RunHelperAsync(helper.Value.Name, ServerUrlFor(host), helper.Value.Origin, ct).ConfigureAwait(false);
                if (credential is not null)
                {
                    return new CredentialLookup(credential, note);
                }
                notes.Add(note);
            }

            var fromAuths = FromAuths(root, host, out var authsNote);
            notes.Add(authsNote);
            return new CredentialLookup(fromAuths, string.Join("; ", notes));
        }
    }

    /// <summary>Docker Hub credentials live under the v1 index URL; others under host[:port].</summary>
    private static string ServerUrlFor(string host) => host == ImageReference.DockerHubHost ? ImageReference.DockerHubAuthKey : host;

    /// <summary>Reduces a config key ("https://host:5000/v2/", "host:5000") to a normalised host.</summary>
    internal static string HostOfKey(string key)
    {
        var k = key.Trim();
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            k = k[(scheme + 3)..];
        }
        var slash = k.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            k = k[..slash];
        }
        return ImageReference.NormalizeHost(k);
    }

    private (string Name, string Origin)? HelperFor(JsonElement root, string host)
    {
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in helpers.EnumerateObject())
            {
                if (HostOfKey(p.Name) == host && p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString()))
                {
                    return (p.Value.GetString()!, $"credHelpers[\"{p.Name}\"]");
                }
            }
        }
        if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(store.GetString()))
        {
            return (store.GetString()!, "credsStore");
        }
        return null;
    }

    private RegistryCredential? FromAuths(JsonElement root, string host, out string note)
    {
        if (!root.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
        {
            note = $"no \"auths\" in {ConfigFile}";
            return null;
        }

        // Prefer the key spelled exactly as the CLI writes it, then any key for the same host.
        JsonProperty? match = null;
        foreach (var p in auths.EnumerateObject())
        {
            if (HostOfKey(p.Name) != host || p.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            if (match is null || p.Name == ServerUrlFor(host))
            {
                match = p;
            }
        }
        if (match is not { } entry)
        {
            note = $"no auths entry for {host} in {ConfigFile}";
            return null;
        }

        string? username = Str(entry.Value, "username");
        string? password = Str(entry.Value, "password");
        var identityToken = Str(entry.Value, "identitytoken");
        if (Str(entry.Value, "auth") is { } auth)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException e)
            {
                throw new RegistryCredentialException($"auths[\"{entry.Name}\"].auth in {ConfigFile} is not valid base64", e);
            }
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new RegistryCredentialException($"auths[\"{entry.Name}\"].auth in {ConfigFile} does not decode to user:password");
            }
            username = decoded[..colon];
            password = decoded[(colon + 1)..];
        }

        if (username is null && password is null && identityToken is null)
        {
            note = $"auths[\"{entry.Name}\"] in {ConfigFile} holds no credentials";
            return null;
        }
        note = $"auths[\"{entry.Name}\"] in {ConfigFile}";
        return new RegistryCredential
        {
            ServerAddress = ServerUrlFor(host),
            Username = username,
            Password = password,
            IdentityToken = identityToken,
        };
    }

    private async Task<(RegistryCredential? Credential, string Note)> RunHelperAsync(string helper, string serverUrl, string origin, CancellationToken ct)
    {
        var program = "docker-credential-" + helper;
        var path = FindExecutable(program);
        if (path is null)
        {
            return (null, $"{origin} names the credential helper '{helper}', but {program} is not on PATH; skipped");
        }

        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("get");

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, $"{origin}: could not run {program}: {e.Message}; skipped");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(HelperTimeout);
        try
        {
            await process.StandardInput.WriteAsync(serverUrl).ConfigureAwait(false);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            var error = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                // "credentials not found in native keychain" and the like; the output names no secret.
                var reason = string.IsNullOrEmpty(error) ? output.Trim() : error;
                return (null, $"{origin}: {program} has no credentials for {serverUrl} ({Truncate(reason)})");
            }

            using var doc = JsonDocument.Parse(output);
            var username = Str(doc.RootElement, "Username");
            var secret = Str(doc.RootElement, "Secret");
            if (secret is null)
            {
                return (null, $"{origin}: {program} returned no secret for {serverUrl}");
            }
            var credential = username == "<token>"
                ? new RegistryCredential { ServerAddress = serverUrl, IdentityToken = secret }
                : new RegistryCredential { ServerAddress = serverUrl, Username = username, Password = secret };
            return (credential, $"{origin} ({program})");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            TryKill(process);
            return (null, $"{origin}: {program} did not answer within {HelperTimeout.TotalSeconds:0} s; skipped");
        }
        catch (JsonException)
        {
            return (null, $"{origin}: {program} printed something that is not JSON; skipped");
        }
    }

    private static void TryKill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(v.GetString()) ? v.GetString() : null;

    private static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
