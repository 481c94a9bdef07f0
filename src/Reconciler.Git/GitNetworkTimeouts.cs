namespace Reconciler.Git;

/// <summary>
/// How long a remote may take. <see cref="Connect"/> bounds establishing a connection;
/// <see cref="Idle"/> bounds any wait for the remote's next bytes (not the whole transfer, so a big
/// fetch that keeps moving is not cut off).
/// </summary>
/// <remarks>
/// libgit2 keeps these per process, not per remote: every mirror sets them before each network call,
/// so mirrors created with different values get the last caller's. The host uses one value for all.
/// </remarks>
public sealed record GitNetworkTimeouts
{
    public static GitNetworkTimeouts Default { get; } = new();

    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(30);
}
