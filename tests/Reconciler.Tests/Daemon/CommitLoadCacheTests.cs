using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

public sealed class CommitLoadCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reconciler-cache-test-").FullName;
    private int _loads;

    private LoadedCommit Load()
    {
        Interlocked.Increment(ref _loads);
        return new LoadedCommit(new LoadResult(null, [Diagnostic.Error("x")]), null);
    }

    [Fact]
    public async Task A_commit_already_loaded_is_not_loaded_again()
    {
        var cache = new CommitLoadCache();

        var first = await cache.GetAsync("aaa", "", Load, CancellationToken.None);
        var second = await cache.GetAsync("aaa", "", Load, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task A_changed_host_file_makes_the_same_commit_load_again()
    {
        var secret = Path.Combine(_dir, "secret.env");
        File.WriteAllText(secret, "A=1\n");
        var cache = new CommitLoadCache();
        await cache.GetAsync("aaa", CommitLoadCache.HostFilesFingerprint([_dir]), Load, CancellationToken.None);

        File.WriteAllText(secret, "A=22\n");
        await cache.GetAsync("aaa", CommitLoadCache.HostFilesFingerprint([_dir]), Load, CancellationToken.None);

        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task Only_the_most_recently_used_commits_are_kept()
    {
        var cache = new CommitLoadCache(capacity: 2);
        await cache.GetAsync("a", "", Load, CancellationToken.None);
        await cache.GetAsync("b", "", Load, CancellationToken.None);
        await cache.GetAsync("a", "", Load, CancellationToken.None); // a is now the most recent
        await cache.GetAsync("c", "", Load, CancellationToken.None); // evicts b

        await cache.GetAsync("a", "", Load, CancellationToken.None);
        await cache.GetAsync("b", "", Load, CancellationToken.None);

        Assert.Equal(4, _loads);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public async Task Work_on_the_large_stack_thread_survives_recursion_far_deeper_than_a_thread_pool_stack()
    {
        // ~100k frames: several times what the default 1.5 MB stack of a pool thread holds.
        var depth = await LargeStackThread.RunAsync(() => Recurse(100_000), CancellationToken.None);

        Assert.Equal(100_000, depth);
    }

    [Fact]
    public async Task An_exception_on_the_large_stack_thread_reaches_the_caller()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            LargeStackThread.RunAsync<int>(() => throw new InvalidOperationException("boom"), CancellationToken.None));

        Assert.Equal("boom", e.Message);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int Recurse(int n)
    {
        Span<byte> frame = stackalloc byte[64];
        frame[0] = (byte)n;
        return n == 0 ? frame[0] - (byte)n : 1 + Recurse(n - 1);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
