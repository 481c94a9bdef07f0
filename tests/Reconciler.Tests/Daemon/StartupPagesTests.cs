using System.IO.MemoryMappedFiles;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The daemon's release of its own files' pages, on a real mapping of a real file: what was resident
/// goes, and what is read afterwards comes back one page at a time instead of in read-ahead folios.
/// </summary>
public sealed class StartupPagesTests : IDisposable
{
    private const int Size = 16 << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("startup-pages-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Release_drops_the_pages_of_mapped_files_under_the_directory_and_later_reads_map_single_pages()
    {
        var file = Path.Combine(_dir, "image.bin");
        using (var stream = new FileStream(file, FileMode.CreateNew))
        {
            var chunk = new byte[1 << 20];
            Random.Shared.NextBytes(chunk);
            for (var i = 0; i < Size / chunk.Length; i++) stream.Write(chunk);
            stream.Flush(flushToDisk: true);
        }
        using var mapped = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = mapped.CreateViewAccessor(0, Size, MemoryMappedFileAccess.Read);
        long sum = 0;
        for (long at = 0; at < Size; at += 4096) sum += view.ReadByte(at);
        var mapping = Assert.Single(StartupPages.MappingsUnder(_dir));
        Assert.Equal(file, mapping.File);
        Assert.DoesNotContain('w', mapping.Permissions);
        Assert.True(ResidentKb(mapping) >= (Size >> 10) * 9 / 10, $"after reading every page: {ResidentKb(mapping)} kB resident");

        var released = StartupPages.Release(_dir);

        Assert.Equal([file], released.Files);
        Assert.Equal(0, released.Refused);
        Assert.True(ResidentKb(mapping) <= 64, $"after the release: {ResidentKb(mapping)} kB resident");
        // One byte in each MiB: 16 faults, which map a page each (read-ahead would map 64 kB or more each).
        for (long at = 0; at < Size; at += 1 << 20) sum += view.ReadByte(at);
        Assert.True(ResidentKb(mapping) <= 16 * 16, $"after 16 reads: {ResidentKb(mapping)} kB resident");
        Assert.NotEqual(-1, sum);
    }

    [Fact]
    public void Mappings_of_files_outside_the_directory_are_not_listed()
    {
        Assert.Empty(StartupPages.MappingsUnder(_dir));
        // This test's own assemblies are mapped from the test's base directory.
        Assert.Contains(StartupPages.MappingsUnder(AppContext.BaseDirectory), m => m.File.EndsWith(".dll", StringComparison.Ordinal));
    }

    private static long ResidentKb(StartupPages.Mapping mapping)
    {
        var header = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.StartsWith($"{mapping.Start:x}-", StringComparison.Ordinal)) header = true;
            else if (header && line.StartsWith("Rss:", StringComparison.Ordinal))
                return long.Parse(line[4..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no mapping at {mapping.Start:x}");
    }
}
