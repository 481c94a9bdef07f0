using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose;

public enum Severity { Warning, Error }

/// <summary>
/// A problem found while loading, pointing at the file, line and key path so the user knows
/// where to look and what to do.
/// </summary>
public sealed record Diagnostic(Severity Severity, string Message, Mark? Where = null, string? KeyPath = null)
{
    public override string ToString()
    {
        var where = Where is { } m ? m + ": " : "";
        var path = string.IsNullOrEmpty(KeyPath) ? "" : KeyPath + ": ";
        return $"{where}{path}{Message}";
    }

    public static Diagnostic Error(string message, Mark? where = null, string? keyPath = null) => new(Severity.Error, message, where, keyPath);
    public static Diagnostic Warn(string message, Mark? where = null, string? keyPath = null) => new(Severity.Warning, message, where, keyPath);
}

/// <summary>Thrown inside the loader to abandon a load on the first fatal problem; never escapes it.</summary>
internal sealed class ComposeException(Diagnostic diagnostic) : Exception(diagnostic.ToString())
{
    public Diagnostic Diagnostic { get; } = diagnostic;
}
