using System.Text;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// sops/age-encrypted files in the repo, end to end: a real daemon, a real engine and a real git
/// repository. The files are written by <see cref="SopsTestEncoder"/> (the age binary wraps the
/// data key) since Debian has no sops package; the decryptor is checked against sops's own files in
/// Reconciler.Tests/Sops.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class SopsTests(DaemonFixture fx, ITestOutputHelper output)
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Encrypted_env_file_deploys_plain_for_the_container_and_a_tampered_one_changes_nothing()
    {
        var keys = fx.NewDirectory("age");
        var keyFile = Path.Combine(keys, "age.key");
        var recipient = SopsTestEncoder.NewAgeKey(keyFile);
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var token = "tok-" + Guid.NewGuid().ToString("N");

        var files = Scenario.Files(Scenario.Compose(webExtra: "    env_file: secrets.env\n    volumes:\n      - ./secrets.env:/run/app/secrets.env:ro"), "1.0");
        files["app/secrets.env"] = SopsTestEncoder.Dotenv([("DB_PASSWORD", password), ("API_TOKEN", token)], recipient);
        Assert.DoesNotContain(password, files["app/secrets.env"]);
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { AgeKeyFile = keyFile }, files);
        var daemon = await s.StartAndDeployAsync();

        // The container sees the plaintext, through env_file and through the bind-mounted file.
        var web = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(password, Exec(web.ID, "sh", "-c", "echo \"$DB_PASSWORD\"").Stdout.Trim());
        Assert.Contains($"API_TOKEN={token}", Exec(web.ID, "cat", "/run/app/secrets.env").Stdout);

        // The plaintext on disk: 0600, below a stack folder only the daemon's user may enter.
        var stackFolder = Path.Combine(s.StateDir, "stacks", s.Project);
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(stackFolder));
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(Path.Combine(stackFolder, "tree")));
        var plainFile = Path.Combine(stackFolder, "tree", "app", "secrets.env");
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(plainFile));
        Assert.Contains(password, File.ReadAllText(plainFile));

        // The plan's field list (the containers' spec label) holds a digest, not the value.
        var spec = Scenario.Label(web, "dev.reconciler.spec") ?? "";
        Assert.DoesNotContain(password, spec);

        // A commit that alters the ciphertext (and bumps the image): refused, nothing that runs changes.
        var text = files["app/secrets.env"]!;
        var at = text.IndexOf("data:", StringComparison.Ordinal) + 5;
        var tampered = text[..at] + (text[at] == 'A' ? 'B' : 'A') + text[(at + 1)..];
        var bad = s.Commit("tampered secret", new Dictionary<string, string?> { ["app/secrets.env"] = tampered, ["app/.env"] = Scenario.Env("1.1") });
        await s.WaitForPassAsync(bad, "Failed");
        var status = (await s.StackStatusAsync())!.Value;
        var error = status.GetProperty("error").GetString() ?? "";
        Assert.Contains("app/secrets.env: DB_PASSWORD: the encrypted value does not authenticate", error);
        var still = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(web.ID, still.ID);
        Assert.Equal(Scenario.Image("1.0"), still.Image);
        Assert.Equal(password, Exec(still.ID, "sh", "-c", "echo \"$DB_PASSWORD\"").Stdout.Trim());
        Assert.Contains(password, File.ReadAllText(plainFile)); // the export was left as it was

        // A later, good commit with a new secret deploys.
        var password2 = "pw2-" + Guid.NewGuid().ToString("N");
        var good = s.Commit("rotate secret", new Dictionary<string, string?>
        {
            ["app/secrets.env"] = SopsTestEncoder.Dotenv([("DB_PASSWORD", password2), ("API_TOKEN", token)], recipient),
            ["app/.env"] = Scenario.Env("1.1"),
        });
        await s.WaitForCommitAsync(good, ["web"]);
        await s.WaitForPassAsync(good, "Applied", "Noop");
        var rotated = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(password2, Exec(rotated.ID, "sh", "-c", "echo \"$DB_PASSWORD\"").Stdout.Trim());

        // The plaintext is nowhere the daemon writes or shows: log, state.db, /status, history.
        var history = await s.SettledHistoryAsync();
        using var statusResponse = await s.GetAsync("status");
        var statusBody = await statusResponse!.Content.ReadAsStringAsync();
        var stateBytes = Directory.EnumerateFiles(s.StateDir, "state.db*").Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(stateBytes);
        foreach (var secret in new[] { password, password2, token })
        {
            Assert.DoesNotContain(secret, daemon.Output);
            Assert.DoesNotContain(secret, statusBody);
            Assert.DoesNotContain(secret, history);
            Assert.All(stateBytes, b => Assert.DoesNotContain(secret, Encoding.UTF8.GetString(b)));
        }
        Assert.Contains("does not authenticate", history + statusBody + daemon.Output);
    }

    private static ProcessRunner.Result Exec(string container, params string[] command) =>
        ProcessRunner.Run("docker", ["exec", container, .. command], timeout: TimeSpan.FromSeconds(30));
}
