namespace Reconciler.Git;

/// <summary>The whole ref advertisement over ssh, for fetching a ref other than the followed branch.</summary>
internal sealed partial class GitCliTransport
{
    public async Task<IReadOnlyList<RemoteRef>> ListRefsAsync(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeouts.Connect + timeouts.Idle);
        // --refs: no peeled tags ("^{}") and no HEAD.
        var result = await RunAsync(["ls-remote", "--refs", "--", remote.Url], deadline.Token, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Translate(result, listing: true);
        }
        var refs = new List<RemoteRef>();
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0) refs.Add(new RemoteRef(line[(tab + 1)..].TrimEnd(), line[..tab]));
        }
        return refs;
    }
}
