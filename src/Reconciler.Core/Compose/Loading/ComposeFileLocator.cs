namespace Reconciler.Core.Compose.Loading;

/// <summary>Finds the files a project is made of, as docker compose does without -f.</summary>
internal static class ComposeFileLocator
{
    public static readonly string[] DefaultNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
    private static readonly string[] OverrideNames = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"];

    /// <summary>
    /// The first default name found in <paramref name="dir"/> or its parents, plus its override
    /// file when one sits beside it (compose loads <c>compose.override.yaml</c> automatically).
    /// </summary>
    public static List<string>? Discover(IFileSource fs, string dir)
    {
        for (var current = dir; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            var found = DefaultNames.Select(n => Path.Combine(current, n)).FirstOrDefault(fs.FileExists);
            if (found is null) continue;
            var files = new List<string> { found };
            var over = OverrideNames.Select(n => Path.Combine(current, n)).FirstOrDefault(fs.FileExists);
            if (over is not null) files.Add(over);
            return files;
        }
        return null;
    }
}
