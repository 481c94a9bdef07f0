using System.Collections.Concurrent;
using System.Reflection;
using Docker.DotNet;

namespace Reconciler.Docker.Tests;

/// <summary>
/// Wraps an <see cref="IDockerClient"/> and records every engine call (as "Containers.ListContainersAsync")
/// made through it, so tests can pin down how many requests an operation costs.
/// </summary>
public class CountingProxy : DispatchProxy
{
    private object _target = null!;
    private ConcurrentQueue<string> _calls = null!;
    private string _prefix = "";

    public static IDockerClient Wrap(IDockerClient client, ConcurrentQueue<string> calls) =>
        (IDockerClient)Create(typeof(IDockerClient), client, calls, "");

    private static object Create(Type iface, object target, ConcurrentQueue<string> calls, string prefix)
    {
        var proxy = (CountingProxy)DispatchProxy.Create(iface, typeof(CountingProxy));
        proxy._target = target;
        proxy._calls = calls;
        proxy._prefix = prefix;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        var result = method.Invoke(_target, args);
        if (method.IsSpecialName && method.Name.StartsWith("get_", StringComparison.Ordinal) &&
            method.ReturnType.IsInterface && method.ReturnType.Name.EndsWith("Operations", StringComparison.Ordinal) && result is not null)
        {
            // Client.Containers etc.: hand out a counting wrapper of the operations object.
            return Create(method.ReturnType, result, _calls, method.Name["get_".Length..]);
        }
        if (!method.IsSpecialName)
        {
            _calls.Enqueue($"{_prefix}.{method.Name}");
        }
        return result;
    }
}
