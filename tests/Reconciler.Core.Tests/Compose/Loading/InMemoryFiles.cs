using System.Collections.Immutable;
using Reconciler.Core.Compose;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>A project held in memory, for unit tests that need no disk; <paramref name="refusal"/> plays the daemon's confinement.</summary>
internal sealed class InMemoryFiles(Dictionary<string, string> files, Func<string, string?>? refusal = null) : IFileSource
{
    public string? ReadText(string path) => files.GetValueOrDefault(path);
    public byte[]? ReadBytes(string path) => files.TryGetValue(path, out var t) ? System.Text.Encoding.UTF8.GetBytes(t) : null;
    public bool FileExists(string path) => files.ContainsKey(path);
    public bool DirectoryExists(string path) => files.Keys.Any(k => k.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
    public IEnumerable<string> ListFiles(string directory) => files.Keys.Where(k => k.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal));
    public string? Refusal(string path) => refusal?.Invoke(path);

    public static Reconciler.Core.Compose.Loading.LoadResult Load(string compose, Dictionary<string, string>? more = null, Dictionary<string, string>? env = null, string[]? profiles = null)
    {
        var all = new Dictionary<string, string> { ["/p/compose.yaml"] = compose };
        foreach (var (k, v) in more ?? []) all["/p/" + k] = v;
        return Reconciler.Core.Compose.Loading.ComposeLoader.Load(new LoadOptions
        {
            WorkingDirectory = "/p",
            Environment = (env ?? []).ToImmutableDictionary(),
            Profiles = [.. profiles ?? []],
            HomeDirectory = "/home/u",
        }, new InMemoryFiles(all));
    }
}
