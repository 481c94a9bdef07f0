using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>The whole ref advertisement, for fetching a ref other than the followed branch (<c>reconciler plan --ref</c>).</summary>
internal sealed partial class LibGit2Transport
{
    public Task<IReadOnlyList<RemoteRef>> ListRefsAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // As LsRemoteAsync: no callback to cancel through, bounded by the socket timeouts.
        var listing = Task.Run(() =>
        {
            LibGit2Options.ApplyTimeouts(_timeouts);
            ThrowIfNoLocalRepository();
            var credentials = new CredentialsAttempt(_credentials);
            try
            {
                return (IReadOnlyList<RemoteRef>)[.. ListWithoutInterruptions(credentials)
                    .Where(r => r.CanonicalName.StartsWith("refs/", StringComparison.Ordinal) && !r.CanonicalName.EndsWith("^{}", StringComparison.Ordinal))
                    .Select(r => new RemoteRef(r.CanonicalName, r.ResolveToDirectReference()?.TargetIdentifier ?? r.TargetIdentifier))];
            }
            catch (LibGit2SharpException e)
            {
                throw Translate(e, credentials, listing: true);
            }
        }, CancellationToken.None);
        return listing.WaitAsync(ct);
    }
}
