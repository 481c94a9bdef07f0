using System.Diagnostics;
using System.Text.RegularExpressions;
using Reconciler.Configuration;
using Reconciler.Git;

namespace Reconciler.Verification;

/// <summary>
/// Checks a commit's signature against a repo's <c>verify:</c> keys with Debian's own tools:
/// SSH signatures with <c>ssh-keygen -Y</c> (openssh-client) against the allowed signers file,
/// OpenPGP signatures with <c>gpgv</c> against the keyring. Both read the signature and the
/// payload from files in a private temporary folder; nothing here trusts what the commit says about
/// its author.
/// </summary>
public static partial class CommitSignatureVerifier
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"with (\S+) key (SHA256:[A-Za-z0-9+/=]+)", RegexOptions.CultureInvariant)]
    private static partial Regex SshKey();

    public static SignatureVerdict Verify(string commit, CommitSignature? signature, RepoVerify verify)
    {
        if (signature is null)
            return SignatureVerdict.Refused(commit, "unsigned", null, $"commit {Short(commit)} is not signed; sign commits (git commit -S) with a key in the repo's verify: files");
        var armor = signature.Signature.TrimStart();
        var folder = Directory.CreateTempSubdirectory("reconciler-verify-").FullName; // 0700, private
        try
        {
            var payload = Path.Combine(folder, "payload");
            var sig = Path.Combine(folder, "signature");
            File.WriteAllText(payload, signature.SignedData);
            File.WriteAllText(sig, signature.Signature);
            if (armor.StartsWith("-----BEGIN SSH SIGNATURE-----", StringComparison.Ordinal)) return VerifySsh(commit, verify, payload, sig);
            if (armor.StartsWith("-----BEGIN PGP SIGNATURE-----", StringComparison.Ordinal)) return VerifyGpg(commit, verify, folder, payload, sig);
            return SignatureVerdict.Refused(commit, "unsupported_signature", null, $"commit {Short(commit)} carries a signature that is neither SSH nor OpenPGP (X.509?); only those two are verified");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static SignatureVerdict VerifySsh(string commit, RepoVerify verify, string payload, string sig)
    {
        // Is the signature sound at all (whoever made it)? This also names the key.
        var check = Run("ssh-keygen", ["-Y", "check-novalidate", "-n", "git", "-s", sig], payload);
        var key = SshKey().Match(check.Output) is { Success: true } m ? $"{m.Groups[1].Value} {m.Groups[2].Value}" : null;
        if (check.ExitCode != 0)
            return SignatureVerdict.Refused(commit, "bad_signature", key, $"commit {Short(commit)} has an SSH signature that does not match its content (forged or altered)");
        if (verify.SshAllowedSignersFile is not { } allowed)
            return SignatureVerdict.Refused(commit, "untrusted_key", key, $"commit {Short(commit)} is SSH-signed by {key}, but verify: names no ssh_allowed_signers_file");
        var principals = Run("ssh-keygen", ["-Y", "find-principals", "-f", allowed, "-s", sig], null);
        var principal = principals.ExitCode == 0 ? principals.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() : null;
        if (principal is null)
            return SignatureVerdict.Refused(commit, "untrusted_key", key, $"commit {Short(commit)} is signed by {key}, which is not in {allowed}; add the key there if it may deploy");
        var result = Run("ssh-keygen", ["-Y", "verify", "-f", allowed, "-I", principal, "-n", "git", "-s", sig], payload);
        return result.ExitCode == 0
            ? SignatureVerdict.Good(commit, $"{principal} ({key})")
            : SignatureVerdict.Refused(commit, "untrusted_key", $"{principal} ({key})", $"commit {Short(commit)}: ssh-keygen refused {principal}'s signature ({FirstLine(result.Output)}); check the key's namespaces and validity in {allowed}");
    }

    private static SignatureVerdict VerifyGpg(string commit, RepoVerify verify, string folder, string payload, string sig)
    {
        if (verify.GpgKeyringFile is not { } keyring)
            return SignatureVerdict.Refused(commit, "untrusted_key", null, $"commit {Short(commit)} is OpenPGP-signed, but verify: names no gpg_keyring_file");
        // gpgv with its own empty home: only the configured keyring counts.
        var home = Path.Combine(folder, "gnupg");
        Directory.CreateDirectory(home);
        var result = Run("gpgv", ["--homedir", home, "--status-fd", "1", "--keyring", Path.GetFullPath(keyring), sig, payload], null);
        string? Status(string tag) => result.Output.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith("[GNUPG:] " + tag + " ", StringComparison.Ordinal)) is { } line ? line[("[GNUPG:] " + tag + " ").Length..] : null;
        if (Status("VALIDSIG") is { } valid && result.ExitCode == 0)
        {
            var fingerprint = valid.Split(' ')[0];
            var who = Status("GOODSIG") is { } good && good.IndexOf(' ') is var i and > 0 ? good[(i + 1)..] : "";
            return SignatureVerdict.Good(commit, $"{who} ({fingerprint})".Trim());
        }
        if (Status("BADSIG") is { } bad)
            return SignatureVerdict.Refused(commit, "bad_signature", bad, $"commit {Short(commit)} has an OpenPGP signature that does not match its content (forged or altered)");
        if (Status("NO_PUBKEY") is { } missing || Status("ERRSIG") is { } err && (missing = err.Split(' ')[0]) is not null)
            return SignatureVerdict.Refused(commit, "untrusted_key", missing, $"commit {Short(commit)} is signed by OpenPGP key {missing}, which is not in {keyring}; add its public key there (gpg --export KEY >> keyring) if it may deploy");
        if (result.ExitCode == 127)
            return SignatureVerdict.Refused(commit, "verifier_error", null, "gpgv is not installed: apt-get install gpgv");
        return SignatureVerdict.Refused(commit, "bad_signature", null, $"commit {Short(commit)}: gpgv refused the signature ({FirstLine(result.Output)})");
    }

    private sealed record ToolResult(int ExitCode, string Output);

    private static ToolResult Run(string tool, IReadOnlyList<string> args, string? stdinFile)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException(tool);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new ToolResult(127, $"{tool} is not installed");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdinFile is not null)
            {
                using var input = File.OpenRead(stdinFile);
                input.CopyTo(process.StandardInput.BaseStream);
            }
            process.StandardInput.Close();
            if (!process.WaitForExit(ToolTimeout))
            {
                process.Kill(entireProcessTree: true);
                return new ToolResult(124, $"{tool} did not answer within {ToolTimeout.TotalSeconds:0}s");
            }
            return new ToolResult(process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
        }
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
