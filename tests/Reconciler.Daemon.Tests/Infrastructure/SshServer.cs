using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reconciler.Daemon.Tests.Infrastructure;

/// <summary>
/// OpenSSH's sshd on 127.0.0.1 and a free port, in the foreground (<c>-D -e</c>), with a host key
/// and one authorized client key generated for the run. Logs in as the current user (root), whose
/// shell runs git-upload-pack: the same path as a real ssh git remote.
/// </summary>
internal sealed class SshServer : IDisposable
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

        Port = GitHttpServer.FreePort();
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

        var start = new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _sshd = new Process { StartInfo = start };
        _sshd.ErrorDataReceived += (_, e) => Append(e.Data);
        _sshd.OutputDataReceived += (_, e) => Append(e.Data);
        _sshd.Start();
        _sshd.BeginErrorReadLine();
        _sshd.BeginOutputReadLine();
        WaitUntilListening();
    }

    public int Port { get; }
    public string ClientKey { get; }
    public string WrongKey { get; }
    public string User => Environment.UserName;

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

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_sshd.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode}: {Log}");
            }
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                using var stream = client.GetStream();
                stream.ReadTimeout = 2000;
                var buffer = new byte[64];
                var n = stream.Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, n).StartsWith("SSH-", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"sshd did not answer on 127.0.0.1:{Port} within 15s: {Log}");
    }

    public void Dispose()
    {
        try
        {
            if (!_sshd.HasExited)
            {
                _sshd.Kill(entireProcessTree: true);
                _sshd.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _sshd.Dispose();
    }
}
