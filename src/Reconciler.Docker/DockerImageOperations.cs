using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Observed;
using Reconciler.Docker.Registry;

namespace Reconciler.Docker;

internal sealed class DockerImageOperations(IDockerClient client, IRegistryCredentialProvider credentials, DockerEndpoint endpoint) : IDockerImageOperations
{
    public Task<ObservedImage?> InspectAsync(string reference, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "inspect image", $"'{reference}'", async () =>
        {
            try
            {
                var r = await client.Images.InspectImageAsync(reference, ct).ConfigureAwait(false);
                return new ObservedImage(r.ID, r.RepoTags is { } tags ? [.. tags] : [], r.RepoDigests is { } digests ? [.. digests] : []);
            }
            catch (DockerImageNotFoundException)
            {
                return (ObservedImage?)null;
            }
        }, ct);

    public async Task<PullResult> PullAsync(string reference, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var image = ImageReference.Parse(reference);
        var lookup = await credentials.FindAsync(image.RegistryHost, ct).ConfigureAwait(false);
        var sink = new PullStreamSink(progress);
        var parameters = new ImagesCreateParameters { FromImage = image.Name, Tag = image.ApiTag };

        try
        {
            // The stream's messages are reported synchronously (PullStreamSink is not Progress<T>, which
            // would post them to the thread pool and lose the error that ends the stream).
            await client.Images.CreateImageAsync(parameters, lookup.Credential?.ToAuthConfig(), sink, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            var reason = EngineErrors.MessageFromBody(e.ResponseBody, e.StatusCode);
            throw Failure(image, lookup, reason, e, e.StatusCode == System.Net.HttpStatusCode.NotFound || NamesNoImage(reason));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (EngineErrors.IsTransportFailure(e))
        {
            throw EngineErrors.Unavailable(endpoint, "pull image", $"'{reference}'", e);
        }

        if (sink.Error is { } error)
        {
            throw Failure(image, lookup, error, null, NamesNoImage(error));
        }
        return new PullResult(reference, sink.Digest, sink.Downloaded);
    }

    private static ImagePullException Failure(ImageReference image, CredentialLookup lookup, string reason, Exception? inner, bool notFound)
    {
        // Say which credentials were (not) used when the registry refused them; never the secret itself.
        if (LooksLikeAuthFailure(reason))
        {
            reason += lookup.Credential is null
                ? $" (no credentials sent: {lookup.Source})"
                : $" (credentials sent for user '{lookup.Credential.Username ?? "<token>"}' from {lookup.Source})";
        }
        return new ImagePullException(image.Original, image.RegistryHost, reason, lookup.Credential is not null, inner, notFound);
    }

    /// <summary>
    /// A pull error that ends the stream carries no status: the registry's "manifest unknown" or
    /// "repository … not found" is read here, at the wire, so nothing further up parses text.
    /// </summary>
    internal static bool NamesNoImage(string reason) =>
        reason.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
        || reason.Contains(" not found", StringComparison.OrdinalIgnoreCase);

    private static bool LooksLikeAuthFailure(string reason) =>
        reason.Contains("unauthorized", StringComparison.OrdinalIgnoreCase) ||
        reason.Contains("authentication required", StringComparison.OrdinalIgnoreCase) ||
        reason.Contains("no basic auth credentials", StringComparison.OrdinalIgnoreCase) ||
        reason.Contains("access denied", StringComparison.OrdinalIgnoreCase) ||
        reason.Contains("denied:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Collects the outcome of a pull stream and forwards step summaries.</summary>
    private sealed class PullStreamSink(IProgress<string>? forward) : IProgress<JSONMessage>
    {
        public string? Error { get; private set; }
        public string? Digest { get; private set; }
        public bool Downloaded { get; private set; }

        public void Report(JSONMessage value)
        {
            if (value.Error is { } err)
            {
                Error ??= string.IsNullOrWhiteSpace(err.Message) ? "the engine reported an error without a message" : err.Message.Trim();
                return;
            }

            var status = value.Status;
            if (string.IsNullOrEmpty(status))
            {
                return;
            }
            if (status.StartsWith("Digest: ", StringComparison.Ordinal))
            {
                Digest = status["Digest: ".Length..].Trim();
            }
            else if (status.StartsWith("Status: Downloaded newer image", StringComparison.Ordinal))
            {
                Downloaded = true;
            }

            // Per-byte ticks ("Downloading [==>   ]") carry a progress detail with a count: skip them.
            if (value.Progress is { Current: > 0 } || value.Progress is { Total: > 0 })
            {
                return;
            }
            forward?.Report(string.IsNullOrEmpty(value.ID) ? status : $"{value.ID}: {status}");
        }
    }
}
