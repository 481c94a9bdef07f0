using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Git;
using Reconciler.Verification;

namespace Reconciler.Daemon;

/// <summary>
/// The <c>verify:</c> gate of one repo: which commit its stacks may converge. The branch's head
/// when its signature is trusted; otherwise the last commit this process verified, or (after a
/// restart) each stack's last applied commit, so that what runs keeps running and nothing unverified
/// is ever deployed. Each head is checked once (verdicts are kept per commit); a refusal is logged,
/// counted and shown in /status.
/// </summary>
public sealed partial class HeadVerification(RepoConfig repo, GitRepositoryMirror mirror, DaemonStatus status, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SignatureVerdict> _verdicts = new(StringComparer.Ordinal);
    private string? _lastVerified;

    public RepoVerify Config => repo.Verify!;

    /// <summary>The verdict on <paramref name="head"/>, checked at most once per commit.</summary>
    public SignatureVerdict Check(string head)
    {
        lock (_gate)
        {
            if (_verdicts.TryGetValue(head, out var known)) return known;
        }
        SignatureVerdict verdict;
        try
        {
            verdict = CommitSignatureVerifier.Verify(head, mirror.ReadSignature(head), Config);
        }
        catch (GitException e)
        {
            // Not a verdict on the commit: asked again next time.
            return SignatureVerdict.Refused(head, "verifier_error", null, e.Message);
        }
        lock (_gate)
        {
            if (_verdicts.TryAdd(head, verdict))
            {
                if (_verdicts.Count > 64) _verdicts.Remove(_verdicts.Keys.First(k => k != head));
                if (verdict.Trusted) _lastVerified = head;
            }
            else return _verdicts[head];
        }
        if (verdict.Trusted) Log.Verified(logger, repo.Name, StackReconciler.Short(head), verdict.Signer ?? "");
        else
        {
            Log.Refused(logger, repo.Name, StackReconciler.Short(head), verdict.Reason, verdict.Signer ?? "none", verdict.Message);
            status.CountVerificationFailure(repo.Name, verdict.Reason);
        }
        status.RepoVerified(repo.Name, verdict);
        return verdict;
    }

    /// <summary>
    /// The commit a stack may converge: <paramref name="head"/> when trusted, else the last verified
    /// one, else <paramref name="lastApplied"/> (what runs: kept, never replaced by an unverified head).
    /// </summary>
    public string? Deployable(string? head, string? lastApplied)
    {
        if (head is null) return null;
        if (Check(head).Trusted) return head;
        lock (_gate) return _lastVerified ?? lastApplied;
    }

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "repo={Repo} commit {Commit} signature verified: {Signer}")]
        public static partial void Verified(ILogger logger, string repo, string commit, string signer);

        [LoggerMessage(61, LogLevel.Warning, "repo={Repo} commit {Commit} refused, not deployed ({Reason}, signer {Signer}): {Message}")]
        public static partial void Refused(ILogger logger, string repo, string commit, string reason, string signer, string message);
    }
}
