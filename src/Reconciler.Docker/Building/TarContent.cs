using System.Net;
using System.Net.Http.Headers;

namespace Reconciler.Docker.Building;

/// <summary>The body of <c>POST /build</c>: the context's tar, written as it is sent (chunked), never held whole in memory.</summary>
internal sealed class TarContent : HttpContent
{
    private readonly BuildContext _context;
    private readonly CancellationToken _ct;

    public TarContent(BuildContext context, CancellationToken ct)
    {
        _context = context;
        _ct = ct;
        Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _context.WriteTarAsync(stream, _ct);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _context.WriteTarAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
