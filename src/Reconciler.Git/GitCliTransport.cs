using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Reconciler.Git;

/// <summary>
/// ssh:// and scp-like urls through the system <c>git</c> and <c>ssh</c> binaries.
/// </summary>
/// <remarks>
/// The libgit2 inside LibGit2Sharp 0.32 (1.8, built with <c>USE_SSH=exec</c>) has no SSH library
/// of its own: it runs <c>ssh</c> too, but (1) takes the command only from this process's
/// <c>GIT_SSH_COMMAND</c>/<c>GIT_SSH</c> or from <c>core.sshCommand</c> run without a shell, so
/// there is no per-remote way to pass <c>-i key</c>; (2) does not capture ssh's stderr, so a
/// refused key and an unreachable host both surface as "could not read refs from remote
/// repository" while ssh's own message lands on the daemon's stderr; (3) cannot be cancelled
/// while it waits on the child. Running git ourselves gives the key through the child's
/// environment only, its stderr to classify, and a process to kill.
/// </remarks>
/// <param name="learnedKnownHostsFile">Where host keys are remembered on first contact when the remote names no known_hosts file.</param>
internal sealed partial class GitCliTransport(GitRemote remote, SecretScrubber scrubber, GitNetworkTimeouts timeouts, string learnedKnownHostsFile) : IGitTransport
{
    private string BranchRef => "refs/heads/" + remote.Branch;

    public async Task<string?> LsRemoteAsync(CancellationToken ct)
    {
        // Bounded as a whole: ref listing is one connection and one advertisement.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeouts.Connect + timeouts.Idle);
        var result = await RunAsync(["ls-remote", "--refs", "--", remote.Url, BranchRef], deadline.Token, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Translate(result, listing: true);
        }
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<sha>\t<ref>"; ls-remote patterns match ref name tails, so compare the whole name.
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0 && line[(tab + 1)..].TrimEnd() == BranchRef)
            {
                return line[..tab];
            }
        }
        return null;
    }

    public Task FetchAsync(string mirrorPath, CancellationToken ct) => FetchRefspecAsync(mirrorPath, $"+{BranchRef}:{BranchRef}", ct);

    public async Task FetchRefspecAsync(string mirrorPath, string refspec, CancellationToken ct)
    {
        string[] args =
        [
            "--git-dir=" + mirrorPath,
            // Repack in the foreground when git decides to, never as a detached leftover process.
            "-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false",
            "fetch", "--no-tags", "--no-write-fetch-head", "--quiet", "--", remote.Url, refspec,
        ];
        var result = await RunAsync(args, ct, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Translate(result, listing: false);
        }
    }

    private GitException Translate(ProcessResult result, bool listing)
    {
        var stderr = string.Join(" ", result.Stderr.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal)
                        && !l.StartsWith("Please make sure you have the correct access rights", StringComparison.Ordinal)
                        && l != "and the repository exists."));
        var reason = scrubber.Scrub(stderr.Length > 0 ? stderr : $"git exited with code {result.ExitCode}");
        if (result.TimedOut)
        {
            return new GitUnreachableException(remote.Name, remote.RedactedUrl, $"no answer within {(timeouts.Connect + timeouts.Idle).TotalSeconds:0}s ({reason})");
        }
        if (IsAuthFailure(stderr))
        {
            return new GitAuthenticationException(remote.Name, remote.RedactedUrl, reason);
        }
        if (stderr.Contains("couldn't find remote ref", StringComparison.OrdinalIgnoreCase))
        {
            return new GitBranchNotFoundException(remote.Name, remote.RedactedUrl, remote.Branch);
        }
        if (listing || IsNetworkFailure(stderr))
        {
            return new GitUnreachableException(remote.Name, remote.RedactedUrl, reason);
        }
        return new GitException(remote.Name, remote.RedactedUrl, $"fetch failed: {reason}");
    }

    private static bool IsAuthFailure(string stderr) =>
        new[]
        {
            "Permission denied", "Host key verification failed", "Authentication failed",
            "Too many authentication failures", "Load key", "no such identity", "UNPROTECTED PRIVATE KEY",
        }.Any(p => stderr.Contains(p, StringComparison.OrdinalIgnoreCase));

    private static bool IsNetworkFailure(string stderr) =>
        stderr.Contains("Could not read from remote repository", StringComparison.Ordinal) ||
        stderr.Contains("ssh:", StringComparison.Ordinal) ||
        stderr.Contains("remote end hung up", StringComparison.Ordinal) ||
        LibGit2Transport.IsNetworkFailure(stderr);

    private async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, CancellationToken stop, CancellationToken callerCt)
    {
        callerCt.ThrowIfCancellationRequested();
        if (remote.Auth is GitSshKeyAuth key && !File.Exists(key.PrivateKeyFile))
        {
            // ssh would only warn and then fail as if the key were refused.
            throw new GitAuthenticationException(remote.Name, remote.RedactedUrl, $"the ssh key file {key.PrivateKeyFile} does not exist");
        }
        if (remote.KnownHostsFile is { } hosts && !File.Exists(hosts))
        {
            // ssh would say "Host key verification failed", which reads like a changed server key.
            throw new GitAuthenticationException(remote.Name, remote.RedactedUrl, $"the known_hosts file {hosts} does not exist");
        }
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        ConfigureEnvironment(start.Environment);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitException(remote.Name, remote.RedactedUrl, $"cannot run git for an ssh remote: {e.Message} (install git and openssh-client)");
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            callerCt.ThrowIfCancellationRequested();
            return new ProcessResult(-1, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), TimedOut: true);
        }
        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), TimedOut: false);
    }

    /// <summary>
    /// The child's environment only (this process's is never changed): the ssh command with the
    /// key, messages in English for classification, and no prompts.
    /// </summary>
    private void ConfigureEnvironment(IDictionary<string, string?> env)
    {
        // Inherited repository overrides (GIT_DIR, GIT_SSH_COMMAND, …) would redirect the child.
        foreach (var key in env.Keys.Where(k => k.StartsWith("GIT_", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }
        env["LC_ALL"] = "C";
        env["LANGUAGE"] = "C";
        env["GIT_TERMINAL_PROMPT"] = "0";
        env["GIT_SSH_COMMAND"] = SshCommand();
    }

    internal string SshCommand()
    {
        var idle = Math.Max(1, (int)Math.Ceiling(timeouts.Idle.TotalSeconds / 3));
        var parts = new List<string> { "ssh" };
        if (remote.Auth is GitSshKeyAuth key)
        {
            parts.AddRange(["-i", Quote(key.PrivateKeyFile), "-o", "IdentitiesOnly=yes"]);
        }
        // A configured known_hosts is the operator's list of trusted keys: nothing else passes. Without
        // one, the first key a host shows is remembered and required from then on (trust on first use).
        var (knownHosts, checking) = remote.KnownHostsFile is { } configured ? (configured, "yes") : (learnedKnownHostsFile, "accept-new");
        parts.AddRange(
        [
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=" + checking,
            "-o", Quote("UserKnownHostsFile=" + knownHosts),
            "-o", "ConnectTimeout=" + Math.Max(1, (int)Math.Ceiling(timeouts.Connect.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            "-o", "ServerAliveInterval=" + idle.ToString(CultureInfo.InvariantCulture),
            "-o", "ServerAliveCountMax=3",
        ]);
        return string.Join(' ', parts);
    }

    /// <summary>git runs GIT_SSH_COMMAND through the shell: single-quote every path.</summary>
    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut);
}
