using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class SecretFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secret-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Secret(string name, string content, string mode)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        // Set after writing: what the test means, whatever the umask it runs under.
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        return path;
    }

    private DaemonConfig Config(string? password = null, string? sshKey = null, string? webhook = null, string? statusToken = null) => new()
    {
        Path = Path.Combine(_dir, "config.yaml"),
        StateDir = Path.Combine(_dir, "state"),
        StatusTokenFile = statusToken,
        Repos =
        [
            new RepoConfig { Name = "web", Url = "https://git.example.test/web.git", Auth = new RepoAuth { PasswordFile = password }, WebhookSecretFile = webhook },
            new RepoConfig { Name = "ops", Url = "git@git.example.test:ops.git", Auth = new RepoAuth { SshKeyFile = sshKey } },
        ],
    };

    [Fact]
    public void Private_secret_files_pass()
    {
        var config = Config(
            password: Secret("token", "t0ken\n", "600"),
            sshKey: Secret("id_ed25519", "key\n", "400"),
            webhook: Secret("hook", "h00k\n", "600"),
            statusToken: Secret("status", "st4tus\n", "600"));

        Assert.Empty(SecretFiles.Check(config));
    }

    [Fact]
    public void A_missing_secret_file_is_an_error_naming_its_key_and_path()
    {
        var missing = Path.Combine(_dir, "no-such-token");
        var errors = SecretFiles.Check(Config(password: missing, statusToken: missing));

        Assert.Equal(["repos[0].auth.password_file", "metrics.status_token_file"], errors.Select(e => e.KeyPath));
        Assert.All(errors, e => Assert.Contains(missing + " does not exist", e.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("644")]
    [InlineData("604")]
    [InlineData("602")]
    [InlineData("666")]
    public void A_secret_file_open_to_other_users_is_an_error_saying_chmod_600(string mode)
    {
        var hook = Secret("hook", "h00k\n", mode);

        var error = Assert.Single(SecretFiles.Check(Config(webhook: hook)));

        Assert.Equal("repos[0].webhook_secret_file", error.KeyPath);
        Assert.Contains($"chmod 600 {hook}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("h00k", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_or_an_empty_file_is_not_a_secret()
    {
        var empty = Secret("empty", "", "600");

        var errors = SecretFiles.Check(Config(password: _dir, sshKey: empty));

        Assert.Equal(2, errors.Count);
        Assert.Contains("is a directory", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("is empty", errors[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("640", 1000u, 1000u, true)]   // the daemon's own file, shared with its group: ssh refuses it too
    [InlineData("660", 1000u, 1000u, true)]
    [InlineData("640", 0u, 1000u, false)]     // install -m 0640 -o root -g reconciler
    [InlineData("640", 0u, 0u, false)]        // the same file checked by `sudo reconciler validate`
    [InlineData("600", 1000u, 1000u, false)]
    [InlineData("400", 1000u, 1000u, false)]
    [InlineData("644", 0u, 1000u, true)]      // others: never, whoever owns it
    [InlineData("641", 0u, 1000u, true)]
    public void Group_access_is_refused_only_on_a_file_the_daemon_user_owns(string mode, uint owner, uint reader, bool refused)
    {
        var problem = SecretFiles.ModeProblem("/etc/reconciler/token", (UnixFileMode)Convert.ToInt32(mode, 8), owner, reader);

        Assert.Equal(refused, problem is not null);
        if (problem is not null) Assert.Contains("chmod 600 /etc/reconciler/token", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_owner_and_mode_of_a_real_file_are_read()
    {
        var path = Secret("token", "t0ken\n", "640");

        var status = UnixFileStatus.Of(path);

        Assert.NotNull(status);
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), status.Mode);
        Assert.Equal(UnixFileStatus.EffectiveUserId, status.OwnerId);
        Assert.False(status.IsDirectory);
        Assert.True(UnixFileStatus.Of(_dir)!.IsDirectory);
        Assert.Null(UnixFileStatus.Of(Path.Combine(_dir, "absent")));
    }
}
