using System.Text;
using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>
/// Issue 11: what the daemon config lets a stack reach — files in <c>host_files</c>, variables from
/// <c>variables</c> and <c>pass_env</c> — and a budget set per stack (<c>limits</c>); nothing more.
/// </summary>
public sealed class HostileCommitConfigTests(ITestOutputHelper output)
{
    private const string Passed = "RECONCILER_TEST_PASSED";

    [Fact]
    public async Task A_file_in_host_files_and_the_configured_variables_reach_the_stack_and_nothing_else_does()
    {
        var passed = "hxpassed" + Guid.NewGuid().ToString("N");
        await using var w = await BoundaryWorld.CreateAsync(output,
            w => $"    host_files:\n      - {Path.Combine(w.SecretsDir, "shop.env")}\n" +
                 $"    variables:\n      GREETING: hello\n" +
                 $"    pass_env:\n      - {Passed}\n",
            new Dictionary<string, string> { [Passed] = passed });
        var b = await w.BeginAsync("host_files, variables, pass_env");

        // host_files names one file: env_file may read it (an absolute path outside the repo).
        var shop = b.Planted.PathOf("shop.env");
        var good = await w.DeployGoodAsync("reads the host file it is allowed to", Environment(shop));
        if (good is not null)
        {
            var env = await w.EnvOfAsync(w.Stack, "web");
            foreach (var expected in new[] { $"SHOP_KEY={b.Planted["shop.env"]}", "GREETING=hello", $"PASSED={passed}", "NOT_PASSED=unset" })
            {
                if (!env.Contains(expected)) w.Problem($"web's environment lacks {expected}: {string.Join(" ", env)}");
            }
        }
        // A file the container may have is still not for the log, status or spans.
        await w.CheckNoSecretAsync(("a/secrets/shop.env (allowed in host_files)", b.Planted["shop.env"]));
        await w.RebaselineAsync();

        // Only that file: another one beside it is outside the repository like any other.
        var bad = await w.PushAsync("reads a host file it is not allowed to", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = w.WebYaml(w.NextImage, Environment(shop).Replace($"      - {shop}\n", $"      - {shop}\n      - {b.Planted.PathOf("secret.env")}\n", StringComparison.Ordinal)),
        });
        await w.ExpectRefusedAsync(bad, Reason.Saying("secret.env").AndOneOf("outside", "host_files"));
        await w.ExpectNextGoodDeploysAsync([bad]);
        await w.EndAsync();
    }

    private static string Environment(string envFile) =>
        $"    env_file:\n      - {envFile}\n" +
        "    environment:\n" +
        "      GREETING: ${GREETING}\n" +
        $"      PASSED: ${{{Passed}}}\n" +
        $"      NOT_PASSED: ${{{BoundaryWorld.TokenVariable}:-unset}}\n";

    [Fact]
    public async Task A_stacks_own_file_size_limit_refuses_a_larger_compose_file_and_a_smaller_one_deploys()
    {
        await using var w = await BoundaryWorld.CreateAsync(output, _ => "    limits:\n      max_file_size: 64KiB\n");
        await w.BeginAsync("limits.max_file_size: 64KiB");
        var bad = await w.PushAsync("a 100 KiB compose file", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = w.WebYaml(w.NextImage, Comments(100 * 1024)),
        });
        await w.ExpectRefusedAsync(bad, Reason.At("compose.yaml").AndOneOf("limit", "too large", "exceed", "size"));
        await w.ExpectNextGoodDeploysAsync([bad], Comments(32 * 1024));
        await w.EndAsync();
    }

    /// <summary>About <paramref name="bytes"/> of comment lines inside web's block.</summary>
    private static string Comments(int bytes)
    {
        var line = "    # " + new string('x', 121) + "\n";
        var text = new StringBuilder();
        while (text.Length < bytes) text.Append(line);
        return text.ToString();
    }
}
