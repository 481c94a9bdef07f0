using System.Text.Json;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// <c>verify:</c> end to end: commits signed in the test with ssh-keygen keys and a gpg key (in a
/// scratch GNUPGHOME) deploy; an unsigned head, one signed by an unknown key and one whose
/// signature was kept over altered content are refused with their reason and signer while the last
/// verified commit keeps running; a later signed commit deploys.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class SignedCommitTests(DaemonFixture fx, ITestOutputHelper output) : IDisposable
{
    private readonly string _gnupgHome = Path.Combine("/tmp", "gpg-" + Guid.NewGuid().ToString("N")[..8]); // short: gpg-agent's socket path

    [Fact]
    public async Task Only_commits_signed_by_allowed_keys_deploy()
    {
        var keys = fx.NewDirectory("signers");
        var signer = NewSshKey(keys, "signer");
        var stranger = NewSshKey(keys, "stranger");
        var allowed = Path.Combine(keys, "allowed_signers");
        File.WriteAllText(allowed, $"deployer@example.test namespaces=\"git\" {File.ReadAllText(signer + ".pub").Trim()}\n");
        var (gpgProgram, keyring) = NewGpgKey(keys);
        string[] sshSigned = ["gpg.format=ssh", $"user.signingkey={signer}", "commit.gpgsign=true"];
        string[] strangerSigned = ["gpg.format=ssh", $"user.signingkey={stranger}", "commit.gpgsign=true"];
        string[] gpgSigned = ["gpg.format=openpgp", $"gpg.program={gpgProgram}", "user.signingkey=signer@example.test", "commit.gpgsign=true"];

        await using var s = Scenario.Create(fx, output, new ScenarioOptions
        {
            Verify = $"      ssh_allowed_signers_file: {allowed}\n      gpg_keyring_file: {keyring}",
            InitialCommitConfig = sshSigned,
        });
        await s.StartAndDeployAsync();
        var running = await s.RunningIdsAsync();

        // Unsigned: refused, counted, and `reconciler validate` says so too.
        var unsigned = s.Commit("unsigned", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.1") });
        var refusal = await RefusedAsync(s, unsigned, "unsigned");
        Assert.Contains("is not signed", refusal.GetProperty("message").GetString());
        var validate = await s.CliAsync("validate");
        Assert.NotEqual(0, validate.ExitCode);
        Assert.Contains("is not signed", validate.Stderr);
        var status = await s.CliAsync("status");
        Assert.Contains($"verify:    head {unsigned[..12]} refused, not deployed (unsigned, signer none): ", status.Stdout, StringComparison.Ordinal);
        await AssertUnchangedAsync(s, running);

        // Signed by a key that is not allowed: refused with the key that signed.
        var strangers = s.Origin.CommitWith(strangerSigned, "stranger", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("2.0") });
        refusal = await RefusedAsync(s, strangers, "untrusted_key");
        var strangerPrint = Fingerprint(stranger);
        Assert.Contains(strangerPrint, refusal.GetProperty("signer").GetString());
        await AssertUnchangedAsync(s, running);

        // A signature by the allowed key kept over other content (the tree swapped): refused as forged.
        var honest = s.Origin.CommitWith(sshSigned, "honest", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.0") + "# honest\n" }, push: false);
        var forged = Forge(s, honest, treeOf: strangers);
        refusal = await RefusedAsync(s, forged, "bad_signature");
        Assert.Contains("does not match its content", refusal.GetProperty("message").GetString());
        await AssertUnchangedAsync(s, running);

        // An OpenPGP-signed commit by the keyring's key deploys.
        var gpgCommit = s.Origin.CommitWith(gpgSigned, "gpg signed", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.1") });
        await s.WaitForCommitAsync(gpgCommit, ["web"]);
        Assert.Equal(Scenario.Image("1.1"), Assert.Single(await s.ServiceContainersAsync("web")).Image);
        var repo = await RepoStatusAsync(s);
        Assert.True(repo.GetProperty("verification").GetProperty("trusted").GetBoolean());
        Assert.Contains("signer@example.test", repo.GetProperty("verification").GetProperty("signer").GetString());

        // A later SSH-signed commit deploys.
        var later = s.Origin.CommitWith(sshSigned, "ssh signed", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("2.0") });
        await s.WaitForCommitAsync(later, ["web"]);
        Assert.Equal(Scenario.Image("2.0"), Assert.Single(await s.ServiceContainersAsync("web")).Image);
        Assert.Contains("deployer@example.test", (await RepoStatusAsync(s)).GetProperty("verification").GetProperty("signer").GetString());
        Assert.DoesNotContain("verify:", (await s.CliAsync("status")).Stdout, StringComparison.Ordinal);

        using var metrics = await s.GetAsync("metrics");
        var text = await metrics!.Content.ReadAsStringAsync();
        foreach (var reason in new[] { "unsigned", "untrusted_key", "bad_signature" })
            Assert.Contains($"reconciler_git_verification_failures_total{{repo=\"infra\",reason=\"{reason}\"}} 1", text);
    }

    private static async Task<JsonElement> RefusedAsync(Scenario s, string commit, string reason)
    {
        JsonElement verification = default;
        await s.EventuallyAsync($"/status: repo refuses {commit[..12]} ({reason})", async () =>
        {
            var repo = await RepoStatusAsync(s);
            if (repo.ValueKind != JsonValueKind.Object || !repo.TryGetProperty("verification", out verification) || verification.ValueKind != JsonValueKind.Object) return false;
            return verification.GetProperty("commit").GetString() == commit && verification.GetProperty("reason").GetString() == reason;
        }, Scenario.DefaultWait);
        Assert.False(verification.GetProperty("trusted").GetBoolean());
        return verification.Clone();
    }

    /// <summary>A few passes later the same containers run, none of them at the refused commit.</summary>
    private static async Task AssertUnchangedAsync(Scenario s, Dictionary<string, string> running)
    {
        await s.WaitForMorePassesAsync(2);
        Assert.Equal(running, await s.RunningIdsAsync());
        Assert.Equal(Scenario.Image("1.0"), Assert.Single(await s.ServiceContainersAsync("web")).Image);
    }

    private static async Task<JsonElement> RepoStatusAsync(Scenario s)
    {
        using var r = await s.GetAsync("status");
        if (r is null) return default;
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("repos").EnumerateArray().First(x => x.GetProperty("name").GetString() == s.RepoName).Clone();
    }

    /// <summary>The signed commit's object with another commit's tree, its signature kept, pushed as the head.</summary>
    private static string Forge(Scenario s, string signed, string treeOf)
    {
        var raw = OriginRepository.Git(s.Origin.WorkPath, "cat-file", "commit", signed);
        var tree = OriginRepository.Git(s.Origin.WorkPath, "rev-parse", treeOf + "^{tree}").Trim();
        var lines = raw.Split('\n');
        Assert.StartsWith("tree ", lines[0]);
        Assert.Contains("gpgsig -----BEGIN SSH SIGNATURE-----", raw);
        lines[0] = "tree " + tree;
        var forged = OriginRepository.Git(s.Origin.WorkPath, ["hash-object", "-t", "commit", "-w", "--stdin"], string.Join('\n', lines)).Trim();
        s.Origin.ResetTo(forged);
        s.Origin.Push();
        return forged;
    }

    private static string NewSshKey(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        var r = ProcessRunner.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path], timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return path;
    }

    private static string Fingerprint(string key) =>
        ProcessRunner.Run("ssh-keygen", ["-l", "-f", key + ".pub"], timeout: TimeSpan.FromSeconds(30)).Stdout.Split(' ')[1];

    /// <summary>A gpg key in a scratch home; returns a gpg wrapper for git and the exported public keyring.</summary>
    private (string Program, string Keyring) NewGpgKey(string dir)
    {
        Directory.CreateDirectory(_gnupgHome);
        File.SetUnixFileMode(_gnupgHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var gen = ProcessRunner.Run("gpg", ["--homedir", _gnupgHome, "--batch", "--passphrase", "", "--quick-gen-key", "Signer <signer@example.test>", "ed25519", "sign", "never"],
            timeout: TimeSpan.FromSeconds(60));
        Assert.True(gen.ExitCode == 0, gen.Stderr);
        var keyring = Path.Combine(dir, "keyring.gpg");
        var export = ProcessRunner.Run("sh", ["-c", $"gpg --homedir {_gnupgHome} --export signer@example.test > {keyring}"], timeout: TimeSpan.FromSeconds(30));
        Assert.True(export.ExitCode == 0 && new FileInfo(keyring).Length > 0, export.Stderr);
        var program = Path.Combine(dir, "gpg-signer");
        File.WriteAllText(program, $"#!/bin/sh\nexec gpg --homedir {_gnupgHome} \"$@\"\n");
        File.SetUnixFileMode(program, (UnixFileMode)Convert.ToInt32("755", 8));
        return (program, keyring);
    }

    public void Dispose()
    {
        if (!Directory.Exists(_gnupgHome)) return;
        ProcessRunner.Run("gpgconf", ["--homedir", _gnupgHome, "--kill", "all"], timeout: TimeSpan.FromSeconds(30));
        Directory.Delete(_gnupgHome, recursive: true);
    }
}
