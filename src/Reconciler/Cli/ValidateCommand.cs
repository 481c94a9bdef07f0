using System.CommandLine;
using Reconciler.Core.Compose.Loading;
using Reconciler.Daemon;
using Reconciler.Git;

namespace Reconciler.Cli;

/// <summary><c>reconciler validate</c>: the config and every stack's compose files, without touching Docker.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = DaemonOptions.Config();
        var command = new Command("validate", """
            Check the daemon's config file and load every stack's compose files from the head of its
            branch, exactly as the daemon would, without touching Docker.

            Examples:
              reconciler validate --config /etc/reconciler/config.yaml
            """);
        command.Options.Add(config);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            var secretErrors = Configuration.SecretFiles.Check(cfg);
            foreach (var e in secretErrors) Console.Error.WriteLine($"error: {e}");
            var failed = secretErrors.Count > 0;
            // Validation fetches into a scratch directory: the daemon's mirrors are left alone. A new
            // one with an unpredictable name, 0700 (another user could otherwise plant or read it), and
            // removed however this ends: an exception, Ctrl-C, an early return.
            var scratch = Directory.CreateTempSubdirectory("reconciler-validate-").FullName;
            try
            {
                foreach (var repo in cfg.Repos)
                {
                    var mirror = new GitRepositoryMirror(SecretSources.RemoteFor(repo), scratch);
                    FetchResult fetched;
                    try
                    {
                        fetched = await mirror.FetchAsync(ct);
                    }
                    catch (GitException e)
                    {
                        Console.Error.WriteLine($"error: repo {repo.Name}: {e.Message}");
                        failed = true;
                        continue;
                    }
                    if (repo.Verify is { } verify)
                    {
                        // The daemon would not deploy a head whose signature it does not trust: say so here too.
                        var verdict = Verification.CommitSignatureVerifier.Verify(fetched.Sha, mirror.ReadSignature(fetched.Sha), verify);
                        if (verdict.Trusted) Console.WriteLine($"repo {repo.Name}: head {fetched.Sha[..12]} {verdict.Message}");
                        else
                        {
                            Console.Error.WriteLine($"error: repo {repo.Name}: head {fetched.Sha[..12]} refused by verify: ({verdict.Reason}, signer {verdict.Signer ?? "none"}): {verdict.Message}");
                            failed = true;
                        }
                    }
                    foreach (var stack in cfg.Stacks.Where(s => s.Repo == repo.Name))
                    {
                        string? tree;
                        try
                        {
                            // With an age_key_file, sops files are decrypted as the daemon would (into the 0700 scratch folder).
                            var sops = stack.AgeKeyFile is { } keyFile ? new Sops.SopsExportFilter(stack.Path, Sops.AgeIdentity.ReadFile(keyFile)) : null;
                            tree = await mirror.MaterializeAsync(fetched.Sha, "", Path.Combine(scratch, "stacks", stack.Name), sops, force: false, ct);
                        }
                        catch (Sops.SopsException e)
                        {
                            Console.Error.WriteLine($"error: stack {stack.Name}: {e.Message}");
                            failed = true;
                            continue;
                        }
                        catch (GitException e)
                        {
                            // A tree that could escape its directory (a ".." entry): refused, nothing written.
                            Console.Error.WriteLine($"error: stack {stack.Name}: {e.Message}");
                            failed = true;
                            continue;
                        }
                        var dir = tree is null ? null : stack.Path == "." ? tree : Path.Combine(tree, stack.Path);
                        if (dir is null || !Directory.Exists(dir))
                        {
                            Console.Error.WriteLine($"error: stack {stack.Name}: folder {stack.Path} not found at {repo.Name}@{fetched.Sha[..12]}");
                            failed = true;
                            continue;
                        }
                        // The daemon's own load options: confined to the tree, with the stack's variables only.
                        var commitLoad = await LargeStackThread.RunAsync(() => StackLoading.Load(stack, tree!, dir, fetched.Sha, StackLoading.ProcessEnvironment()), ct);
                        var loaded = commitLoad.Result;
                        foreach (var d in loaded.Diagnostics)
                            Console.Error.WriteLine($"{(d.Severity == Core.Compose.Severity.Error ? "error" : "warning")}: stack {stack.Name}: {d.ToString().Replace(tree + "/", "", StringComparison.Ordinal)}");
                        // Guardrails on warn: the commit deploys, and this is what status and metrics will show.
                        foreach (var f in commitLoad.Policy.Warnings)
                            Console.Error.WriteLine($"warning: stack {stack.Name}: policy: {f.ToString().Replace(tree + "/", "", StringComparison.Ordinal)}");
                        foreach (var a in commitLoad.Policy.Allowed)
                            Console.Error.WriteLine($"allowed: stack {stack.Name}: policy: {a.Finding.Rule} on {a.Finding.Service}: {a.Reason}");
                        if (loaded.Project is null) failed = true;
                        else Console.WriteLine($"{stack.Name}: ok ({loaded.Project.ServiceNames.Count()} services at {repo.Name}@{fetched.Sha[..12]})");
                    }
                }
            }
            finally
            {
                RemoveScratch(scratch);
            }
            if (!failed) Console.WriteLine($"{cfg.Path}: ok");
            return failed ? 1 : 0;
        });
        return command;
    }

    private static void RemoveScratch(string scratch)
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not remove the scratch directory {scratch}: {e.Message}");
        }
    }
}
