using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Building;

namespace Reconciler.Docker.Building;

/// <summary>
/// A build's context as read from disk: the entries the engine's builder gets (what <c>.dockerignore</c>
/// leaves in, symbolic links as links, never followed), the Dockerfile's text, and the
/// <see cref="BuildDigest"/> of it all. <see cref="WriteTarAsync"/> writes the same entries as the tar
/// stream <c>POST /build</c> takes, normalised as git would have them: owner 0:0, files 0644 or 0755.
/// </summary>
public sealed class BuildContext
{
    /// <summary>
    /// The name an inline Dockerfile (or one outside the context) is sent under, as compose's classic
    /// builder adds one; also written to the context's <c>.dockerignore</c>, so the builder drops it
    /// from the context after reading it and <c>COPY .</c> does not copy it.
    /// </summary>
    public const string AddedDockerfileName = ".reconciler.Dockerfile";

    private const string IgnoreFile = ".dockerignore";

    private readonly IReadOnlyList<Item> _items;
    private readonly string _dockerfileText;
    private readonly string? _ignoreText;

    private BuildContext(string root, IReadOnlyList<Item> items, string dockerfileText, string dockerfilePath, bool dockerfileAdded, string? ignoreText, string digest)
    {
        Root = root;
        _items = items;
        _dockerfileText = dockerfileText;
        DockerfilePath = dockerfilePath;
        DockerfileAdded = dockerfileAdded;
        _ignoreText = ignoreText;
        Digest = digest;
    }

    /// <summary>The context folder read.</summary>
    public string Root { get; }

    /// <summary>The Dockerfile's path inside the tar (the <c>dockerfile</c> parameter of <c>POST /build</c>).</summary>
    public string DockerfilePath { get; }

    /// <summary>The Dockerfile is not a file of the context and is sent under <see cref="AddedDockerfileName"/>.</summary>
    public bool DockerfileAdded { get; }

    /// <summary>The digest of the build's inputs (<see cref="BuildDigest.Of"/>).</summary>
    public string Digest { get; }

    /// <summary>The entries sent, relative paths with <c>/</c>, for tests and logs.</summary>
    public IEnumerable<ContextEntry> Entries => _items.Select(i => i.Entry);

    /// <summary>The Dockerfile the builder reads.</summary>
    public string DockerfileText => _dockerfileText;

    /// <summary>Reads the context of <paramref name="spec"/>: every entry's kind, mode and content digest.</summary>
    /// <exception cref="BuildContextException">The context or the Dockerfile cannot be read.</exception>
    public static BuildContext Read(BuildSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        try
        {
            return ReadUnchecked(spec);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BuildContextException($"reading the build context {spec.Context}: {e.Message}", e);
        }
    }

    private static BuildContext ReadUnchecked(BuildSpec spec)
    {
        var root = Path.GetFullPath(spec.Context);
        // The context folder itself may be a link (the loader checked where it leads): read what it names.
        if (new DirectoryInfo(root).ResolveLinkTarget(returnFinalTarget: true) is { } linked) root = linked.FullName;
        if (!Directory.Exists(root)) throw new BuildContextException($"the build context {spec.Context} is not a folder");

        var ignorePath = Path.Combine(root, IgnoreFile);
        var ignoreText = IsRegularFile(ignorePath) ? File.ReadAllText(ignorePath) : null;
        var ignore = ignoreText is null ? DockerIgnore.Empty : DockerIgnore.Parse(ignoreText);

        string dockerfileText;
        string dockerfilePath;
        var added = true;
        if (spec.DockerfileInline is { } inline)
        {
            dockerfileText = inline;
            dockerfilePath = AddedDockerfileName;
        }
        else
        {
            var full = Path.GetFullPath(spec.Dockerfile ?? Path.Combine(root, "Dockerfile"));
            var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            dockerfileText = File.ReadAllText(full);
            // compose: a Dockerfile outside the context (or a link) is read and sent inside it.
            added = relative.StartsWith("../", StringComparison.Ordinal) || relative == ".." || Path.IsPathRooted(relative) || !IsRegularFile(full);
            dockerfilePath = added ? AddedDockerfileName : relative;
        }

        var items = new List<Item>();
        // The builder needs the Dockerfile and .dockerignore whatever .dockerignore says; it drops them itself when listed.
        var alwaysSent = new HashSet<string>(StringComparer.Ordinal) { IgnoreFile };
        if (!added) alwaysSent.Add(dockerfilePath);
        Walk(root, "", ignore, alwaysSent, added ? AddedDockerfileName : null, items);
        var entries = items.Select(i => i.Entry).ToList();
        var digest = BuildDigest.Of(spec, dockerfileText, dockerfilePath, entries);
        return new BuildContext(root, items, dockerfileText, dockerfilePath, added, ignoreText, digest);
    }

    /// <param name="replaced">A file of the context sent with other content (the added Dockerfile's name): left out of the walk.</param>
    private static void Walk(string folder, string prefix, DockerIgnore ignore, HashSet<string> alwaysSent, string? replaced, List<Item> items)
    {
        foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var path = prefix + info.Name;
            if (path == replaced) continue;
            var excluded = !alwaysSent.Contains(path) && ignore.Excludes(path);
            if (info.LinkTarget is { } target)
            {
                if (!excluded) items.Add(new Item(new ContextEntry(path, ContextEntryKind.SymbolicLink, LinkTarget: target), info.FullName, info.LastWriteTimeUtc));
            }
            else if (info is DirectoryInfo)
            {
                var holdsNeeded = alwaysSent.Any(a => a.StartsWith(path + "/", StringComparison.Ordinal));
                // An excluded folder is skipped whole unless a ! pattern or a needed file may bring something back.
                if (excluded && !ignore.HasExceptions && !holdsNeeded) continue;
                if (!excluded) items.Add(new Item(new ContextEntry(path, ContextEntryKind.Directory), info.FullName, info.LastWriteTimeUtc));
                Walk(info.FullName, path + "/", ignore, alwaysSent, replaced, items);
            }
            else if (!excluded && info is FileInfo file && IsRegularFile(file.FullName))
            {
                // git keeps one mode bit: executable or not.
                var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file.FullName) & UnixFileMode.UserExecute) != 0;
                items.Add(new Item(new ContextEntry(path, ContextEntryKind.File, executable, HashOf(file.FullName)), file.FullName, file.LastWriteTimeUtc));
            }
            // FIFOs, sockets and devices: git has none, and reading one may never end.
        }
    }

    /// <summary>Writes the context as the tar stream <c>POST /build</c> takes.</summary>
    public async Task WriteTarAsync(Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            var ignoreWritten = false;
            foreach (var item in _items)
            {
                ct.ThrowIfCancellationRequested();
                var entry = item.Entry;
                switch (entry.Kind)
                {
                    case ContextEntryKind.Directory:
                        await writer.WriteEntryAsync(Entry(TarEntryType.Directory, entry.Path + "/", Dir, item.Modified), ct).ConfigureAwait(false);
                        break;
                    case ContextEntryKind.SymbolicLink:
                        var link = Entry(TarEntryType.SymbolicLink, entry.Path, Link, item.Modified);
                        link.LinkName = entry.LinkTarget!;
                        await writer.WriteEntryAsync(link, ct).ConfigureAwait(false);
                        break;
                    case ContextEntryKind.File when entry.Path == IgnoreFile && DockerfileAdded:
                        await WriteTextAsync(writer, IgnoreFile, IgnoreWithAddedDockerfile(), item.Modified, ct).ConfigureAwait(false);
                        ignoreWritten = true;
                        break;
                    case ContextEntryKind.File:
                        var file = Entry(TarEntryType.RegularFile, entry.Path, entry.Executable ? Executable : Regular, item.Modified);
                        var data = File.OpenRead(item.FullPath);
                        await using (data.ConfigureAwait(false))
                        {
                            file.DataStream = data;
                            await writer.WriteEntryAsync(file, ct).ConfigureAwait(false);
                        }
                        break;
                }
            }
            if (DockerfileAdded)
            {
                if (!ignoreWritten) await WriteTextAsync(writer, IgnoreFile, IgnoreWithAddedDockerfile(), DateTimeOffset.UnixEpoch, ct).ConfigureAwait(false);
                await WriteTextAsync(writer, AddedDockerfileName, _dockerfileText, DateTimeOffset.UnixEpoch, ct).ConfigureAwait(false);
            }
        }
    }

    private string IgnoreWithAddedDockerfile() => (_ignoreText ?? "") + "\n" + AddedDockerfileName + "\n";

    private static async Task WriteTextAsync(TarWriter writer, string name, string text, DateTimeOffset modified, CancellationToken ct)
    {
        var entry = Entry(TarEntryType.RegularFile, name, Regular, modified);
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(text));
        entry.DataStream = data;
        await writer.WriteEntryAsync(entry, ct).ConfigureAwait(false);
    }

    private const UnixFileMode Regular = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Regular | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode Dir = Executable;
    private const UnixFileMode Link = Executable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private static PaxTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset modified) => new(type, name)
    {
        Mode = mode,
        Uid = 0,
        Gid = 0,
        ModificationTime = modified,
    };

    private static bool IsRegularFile(string path) => FileKind.IsRegular(path);

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed record Item(ContextEntry Entry, string FullPath, DateTimeOffset Modified);
}

/// <summary>A build's context (or its Dockerfile) could not be read from disk.</summary>
public sealed class BuildContextException(string message, Exception? inner = null) : Exception(message, inner);
