using System.Diagnostics;
using System.Text;

namespace Reconciler.TestSupport;

/// <summary>
/// OpenSSH's sshd on 127.0.0.1 and a free port (another one if it was taken meanwhile), in the
/// foreground (<c>-D -e</c>), with a host key and one authorized client key generated for the run. Logs in as the current user (root), whose
/// shell runs git-upload-pack: the same path as a real ssh git remote.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshServer : IDisposable
{
    private readonly Process _sshd;
    private readonly StringBuilder _log = new();

    public SshServer(string directory)
    {
        Directory.CreateDirectory(directory);
        var hostKey = Path.Combine(directory, "ssh_host_ed25519_key");
        ClientKey = Path.Combine(directory, "client_key");
        WrongKey = Path.Combine(directory, "wrong_key");
        foreach (var key in new[] { hostKey, ClientKey, WrongKey })
        {
            ProcessRunner.Check("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "reconciler-test", "-f", key]);
        }
        var authorizedKeys = Path.Combine(directory, "authorized_keys");
        File.Copy(ClientKey + ".pub", authorizedKeys);

        // sshd wants its privilege separation directory, which only the package's init script makes.
        Directory.CreateDirectory("/run/sshd");

        var config = Path.Combine(directory, "sshd_config");
        File.WriteAllText(config, $"""
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            AuthorizedKeysFile {authorizedKeys}
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile none
            LogLevel VERBOSE
            """);
        (_sshd, Port) = LoopbackPort.Bind(port => (Start(config, port), port));
        HostPublicKey = File.ReadAllText(hostKey + ".pub").Trim();
    }

    public int Port { get; }
    public string ClientKey { get; }
    public string WrongKey { get; }
    public string User => Environment.UserName;

    /// <summary>The server's host key as a public key line ("ssh-ed25519 AAAA… comment").</summary>
    public string HostPublicKey { get; }

    /// <summary>This server's line for a known_hosts file (non-default ports are written "[host]:port").</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {HostPublicKey}";

    public string UrlFor(string absoluteRepoPath) => $"ssh://{User}@127.0.0.1:{Port}{absoluteRepoPath}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>
    /// Starts sshd on <paramref name="port"/> and waits for its own "Server listening" line (a
    /// connection test could reach whoever else holds the port); throws when it exits instead.
    /// </summary>
    private Process Start(string config, int port)
    {
        lock (_log)
        {
            _log.Clear();
        }
        string[] sshdArgs = ["/usr/sbin/sshd", "-D", "-e", "-f", config, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo(sshdArgs[0], sshdArgs[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (Environment.UserName == "root" && Directory.Exists(home) && File.Exists("/usr/bin/unshare"))
        {
            // The login shell runs the user's rc files before git-upload-pack. Root's on a build
            // machine can do anything (a pyenv rehash waiting forever on a lock left by a killed
            // session hung every ssh test): sshd gets an empty home in its own mount namespace.
            var emptyHome = Path.Combine(Path.GetDirectoryName(config)!, "empty-home");
            Directory.CreateDirectory(emptyHome);
            start = new ProcessStartInfo("/usr/bin/unshare",
                ["--mount", "--propagation", "private", "/bin/sh", "-c", "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", emptyHome, home, .. sshdArgs])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
        }
        var sshd = new Process { StartInfo = start };
        sshd.ErrorDataReceived += (_, e) => Append(e.Data);
        sshd.OutputDataReceived += (_, e) => Append(e.Data);
        sshd.Start();
        sshd.BeginErrorReadLine();
        sshd.BeginOutputReadLine();
        var listening = $"Server listening on 127.0.0.1 port {port}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (Log.Contains(listening, StringComparison.Ordinal))
            {
                return sshd;
            }
            if (sshd.HasExited)
            {
                sshd.WaitForExit(); // flushes the output handlers
                var log = Log;
                sshd.Dispose();
                throw new InvalidOperationException($"sshd on port {port} exited with its log: {log}");
            }
            Thread.Sleep(50);
        }
        Stop(sshd);
        throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{port} within 15s: {Log}");
    }

    public void Dispose() => Stop(_sshd);

    private static void Stop(Process sshd)
    {
        try
        {
            if (!sshd.HasExited)
            {
                sshd.Kill(entireProcessTree: true);
                sshd.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        sshd.Dispose();
    }
}
