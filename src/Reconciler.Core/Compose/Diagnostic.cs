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

    public static Diagnostic Error(string message, Mark? where = null, string? keyPath = null) => new(Severity.Error, Bounded(message), where, keyPath);
    public static Diagnostic Warn(string message, Mark? where = null, string? keyPath = null) => new(Severity.Warning, Bounded(message), where, keyPath);

    /// <summary>
    /// A backstop: messages quote names and values through <see cref="Excerpt"/>, but a message
    /// that still grew past a few excerpts is cut rather than carried whole into logs and status.
    /// </summary>
    private const int MaxMessageLength = 2000;

    private static string Bounded(string message) =>
        message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, MaxMessageLength), "…");
}

/// <summary>Thrown inside the loader to abandon a load on the first fatal problem; never escapes it.</summary>
internal sealed class ComposeException(Diagnostic diagnostic) : Exception(diagnostic.ToString())
{
    public Diagnostic Diagnostic { get; } = diagnostic;
}
