using Reconciler.Core.Compose.Environment;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>Reads a service's <c>env_file</c>; its problems become diagnostics pointing at the file and line.</summary>
internal static class EnvFileReader
{
    public static IEnumerable<(string Key, string? Value)> Read(string path, IFileSource fs, Func<string, string?> lookup, List<Diagnostic> diagnostics, LoadBudget budget)
    {
        var text = FileReads.ReadText(fs, path, budget, FileKind.EnvFile);
        if (text is null) return [];
        var result = DotEnvParser.Parse(text, path, lookup, budget.Expansion);
        foreach (var d in result.Diagnostics)
        {
            var mark = new Mark(d.File, d.Line, d.Column);
            diagnostics.Add(d.IsError ? Diagnostic.Error(d.Message, mark) : Diagnostic.Warn(d.Message, mark));
        }
        return result.Entries.Select(e => (e.Key, e.Value));
    }
}
