using Reconciler.TestSupport;

namespace Reconciler.Tests.Cli;

/// <summary>
/// The commands as a user meets them: unknown stack names, a folder given as a compose file, the
/// secret files checked by validate and at start, validate's scratch directory, the state directory's
/// modes and a recovered database, all without Docker (the daemon here points at no engine).
/// </summary>
public sealed class CommandHygieneTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-hygiene-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Tmp => Directory.CreateDirectory(Path.Combine(_dir, "tmp")).FullName;

    private string WriteConfig(string repoUrl, string extra = "")
    {
        var path = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(path, $"""
            docker:
              host: unix://{_dir}/no-engine.sock
            state_dir: {_dir}/state
            metrics:
              listen: 127.0.0.1:{LoopbackPort.Free()}
            repos:
              - name: infra
                url: {repoUrl}
                interval: 1h
            {extra}
            stacks:
              - name: alpha
                repo: infra
                path: alpha
              - name: beta
                repo: infra
                path: beta
            """);
        return path;
    }

    private string Origin()
    {
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        origin.Commit("two stacks", new Dictionary<string, string?>
        {
            ["alpha/compose.yaml"] = "services:\n  web:\n    image: busybox\n",
            ["beta/compose.yaml"] = "services:\n  db:\n    image: busybox\n",
        });
        return origin.BarePath;
    }

    [Fact]
    public void History_of_an_unknown_stack_exits_1_naming_the_config_and_its_stacks()
    {
        var config = WriteConfig("/srv/git/none.git");

        var result = ReconcilerBinary.Run(_dir, null, "history", "gamma", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: no stack named gamma in {config} (stacks: alpha, beta)", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("plan")]
    [InlineData("apply")]
    public void A_directory_given_as_a_compose_file_is_named_as_a_directory(string command)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "shop")).FullName;
        File.WriteAllText(Path.Combine(folder, "compose.yaml"), "services:\n  web:\n    image: busybox\n");

        var result = ReconcilerBinary.Run(_dir, null, command, "-f", "shop");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: -f shop is a directory", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("-f shop/compose.yaml", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_checks_secret_files_and_leaves_no_scratch_directory_behind()
    {
        var config = WriteConfig(Origin(), extra: $"""
                webhook_secret_file: {_dir}/absent-secret
            """);

        var result = ReconcilerBinary.Run(_dir, new Dictionary<string, string> { ["TMPDIR"] = Tmp }, "validate", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"repos[0].webhook_secret_file: {_dir}/absent-secret does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("alpha: ok", result.Stdout, StringComparison.Ordinal); // the stacks were still checked
        Assert.Empty(Directory.EnumerateFileSystemEntries(Tmp));
    }

    [Fact]
    public void Validate_leaves_no_scratch_directory_behind_when_the_fetch_fails()
    {
        var config = WriteConfig(Path.Combine(_dir, "missing.git"));

        var result = ReconcilerBinary.Run(_dir, new Dictionary<string, string> { ["TMPDIR"] = Tmp }, "validate", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: repo infra", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Tmp));
    }

    [Fact]
    public void Run_refuses_to_start_with_a_shared_password_file_naming_the_key()
    {
        var token = Path.Combine(_dir, "token");
        File.WriteAllText(token, "t0ken\n");
        File.SetUnixFileMode(token, (UnixFileMode)Convert.ToInt32("644", 8));
        var config = WriteConfig("https://git.example.test/infra.git", extra: $"""
                auth:
                  username: deploy
                  password_file: {token}
            """);

        var result = ReconcilerBinary.Run(_dir, null, "run", "--config", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"repos[0].auth.password_file: {token} is open to every user", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {token}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("t0ken", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")), "nothing should have started");
    }

    [Fact]
    public async Task Run_logs_a_recovered_database_naming_where_it_went_and_keeps_the_state_private()
    {
        var state = Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName;
        // As an older version or a loose umask left them: open to everyone.
        File.SetUnixFileMode(state, (UnixFileMode)Convert.ToInt32("755", 8));
        var database = Path.Combine(state, "state.db");
        File.WriteAllText(database, string.Concat(Enumerable.Repeat("not a database at all\n", 200)));
        File.SetUnixFileMode(database, (UnixFileMode)Convert.ToInt32("644", 8));
        var config = WriteConfig(Origin());

        var (output, seen) = await ReconcilerBinary.RunDaemonUntilAsync(config, "moved it to", TimeSpan.FromSeconds(60));

        Assert.True(seen, output);
        var line = output.Split('\n').Single(l => l.Contains("moved it to", StringComparison.Ordinal));
        Assert.Contains("warn", line, StringComparison.Ordinal);
        var movedTo = Assert.Single(Directory.GetFiles(state, "state.db.corrupt-*"));
        Assert.Contains(movedTo, line, StringComparison.Ordinal);
        Assert.Equal(Mode("700"), File.GetUnixFileMode(state));
        Assert.Equal(Mode("600"), File.GetUnixFileMode(database));
        Assert.Equal(Mode("600"), File.GetUnixFileMode(Path.Combine(state, "reconciler.lock")));
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);
}
