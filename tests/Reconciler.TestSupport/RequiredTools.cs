namespace Reconciler.TestSupport;

/// <summary>
/// Installs the Debian packages the git servers (<see cref="SshServer"/>, <see cref="GitHttpServer"/>) need when their binaries are missing. The tests
/// fail (never skip) when that is impossible, with the command to run.
/// </summary>
public static class RequiredTools
{
    private static readonly Lock Gate = new();

    /// <summary>Binary → the Debian package that provides it.</summary>
    public static readonly IReadOnlyList<(string Binary, string Package)> All =
    [
        ("/usr/bin/git", "git"),
        ("/usr/bin/ssh", "openssh-client"),
        ("/usr/bin/ssh-keygen", "openssh-client"),
        ("/usr/sbin/sshd", "openssh-server"),
        ("/usr/lib/git-core/git-http-backend", "git"),
        // sops/age fixtures and signed commits (the daemon itself needs only ssh-keygen and gpgv).
        ("/usr/bin/age", "age"),
        ("/usr/bin/gpg", "gpg"),
        ("/usr/bin/gpgv", "gpgv"),
    ];

    public static void Ensure()
    {
        lock (Gate)
        {
            var missing = All.Where(t => !File.Exists(t.Binary)).Select(t => t.Package).Distinct().ToList();
            if (missing.Count == 0)
            {
                return;
            }
            var command = $"apt-get install -y --no-install-recommends {string.Join(' ', missing)}";
            if (Environment.UserName != "root")
            {
                throw new InvalidOperationException($"These tests need {string.Join(", ", missing)}; run `sudo {command}`. They fail rather than skip without them.");
            }
            var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            // Test assemblies run in parallel and may install at the same time: wait for dpkg's lock.
            string[] install = ["install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", .. missing];
            var result = ProcessRunner.Run("apt-get", install, env: env, timeout: TimeSpan.FromMinutes(10));
            if (result.ExitCode != 0)
            {
                ProcessRunner.Run("apt-get", ["update", "-q"], env: env, timeout: TimeSpan.FromMinutes(10));
                result = ProcessRunner.Run("apt-get", install, env: env, timeout: TimeSpan.FromMinutes(10));
            }
            var stillMissing = All.Where(t => !File.Exists(t.Binary)).Select(t => t.Binary).ToList();
            if (result.ExitCode != 0 || stillMissing.Count > 0)
            {
                var ci = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
                throw new InvalidOperationException(
                    $"`{command}` failed (exit {result.ExitCode}; still missing: {string.Join(", ", stillMissing)}): {result.Stderr.Trim()}. " +
                    (ci ? "CI is set: the CI setup must install these packages." : "Install them and run the tests again.") +
                    " The tests fail rather than skip without them.");
            }
        }
    }
}
