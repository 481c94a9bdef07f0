using System.Collections.Immutable;
using Reconciler.Configuration;

namespace Reconciler.Daemon;

/// <summary>
/// The stacks this daemon runs right now: the config's own, plus those of the fleet's host file,
/// which come and go with commits. Metrics, the container watchers, image GC and the host-pressure
/// sampler follow this set rather than the config's <c>stacks:</c>.
/// </summary>
public sealed class ActiveStacks : IEnumerable<StackConfig>
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, StackConfig> _stacks;

    public ActiveStacks(DaemonConfig config) =>
        _stacks = config.Stacks.ToImmutableDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>A stack started (after the config's, which are there from the start).</summary>
    public event Action<StackConfig>? Added;

    /// <summary>A stack stopped for good (removed from the host file), or before it restarts on a changed definition.</summary>
    public event Action<StackConfig>? Removed;

    public ImmutableArray<StackConfig> Current => [.. _stacks.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public IEnumerator<StackConfig> GetEnumerator() => ((IEnumerable<StackConfig>)Current).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public StackConfig? Find(string name) => _stacks.GetValueOrDefault(name);

    public void Add(StackConfig stack)
    {
        lock (_gate) _stacks = _stacks.SetItem(stack.Name, stack);
        Added?.Invoke(stack);
    }

    /// <summary>A kept stack whose declaration moved on (a new commit of its host file): nothing restarts.</summary>
    public void Update(StackConfig stack)
    {
        lock (_gate) _stacks = _stacks.SetItem(stack.Name, stack);
    }

    public void Remove(StackConfig stack)
    {
        lock (_gate) _stacks = _stacks.Remove(stack.Name);
        Removed?.Invoke(stack);
    }
}
