using System.Reflection;

namespace Reconciler;

/// <summary>The daemon's version, as metrics, spans and the CLI name it.</summary>
public static class ProductVersion
{
    /// <summary>Without the source revision suffix (<c>0.1.0</c>, not <c>0.1.0+abc…</c>).</summary>
    public static string Version { get; } = Read();

    private static string Read()
    {
        var v = typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ProductVersion).Assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? v : v[..plus];
    }
}
