namespace Reconciler.Core.Compose.Environment;

public enum EnvDiagnosticSeverity { Warning, Error }

/// <summary>
/// A problem found while reading an env file, at a 1-based line and column (columns count UTF-16
/// code units; both 0 when the problem is the file as a whole). Messages are compose's own wording where compose reports the problem; compose
/// prefixes them with <c>line N:</c> and, for the project's <c>.env</c>, <c>failed to read FILE:</c>.
/// </summary>
public sealed record EnvDiagnostic(EnvDiagnosticSeverity Severity, string File, int Line, int Column, string Message)
{
    public bool IsError => Severity == EnvDiagnosticSeverity.Error;

    public override string ToString() =>
        $"{(Line > 0 ? $"{File}:{Line}:{Column}" : File)}: {(IsError ? "error" : "warning")}: {Message}";
}
