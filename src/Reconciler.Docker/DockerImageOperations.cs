using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Building;
using Reconciler.Core.Observed;
using Reconciler.Docker.Building;
using Reconciler.Docker.Registry;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker;

internal sealed partial class DockerImageOperations(IDockerClient client, IRegistryCredentialProvider credentials, DockerEndpoint endpoint, EngineHttp http) : IDockerImageOperations
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

    public async Task<ObservedImage> BuildAsync(BuildSpec spec, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> labels,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (tags.Count == 0) throw new ArgumentException("a build needs a tag", nameof(tags));
        var image = tags[0];
        BuildContext context;
        try
        {
            context = await Task.Run(() => BuildContext.Read(spec), ct).ConfigureAwait(false);
        }
        catch (BuildContextException e)
        {
            throw new ImageBuildException(image, e.Message, transient: false, e);
        }
        // The label says what was built: the files sent must be the files planned.
        if (spec.Digest.Length > 0 && context.Digest != spec.Digest)
            throw new ImageBuildException(image, $"the build context changed on disk since it was planned ({BuildDigest.Short(spec.Digest)} → {BuildDigest.Short(context.Digest)}); planning again", transient: true);

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (await RegistryConfigAsync(context.DockerfileText, ct).ConfigureAwait(false) is { } registryConfig) headers["X-Registry-Config"] = registryConfig;
        var query = BuildQuery.For(spec, tags, labels, context.DockerfilePath);
        var output = new BuildOutput(progress);
        try
        {
            using var content = new TarContent(context, ct);
            using var response = await http.PostStreamAsync("build?" + query, content, headers, "build image", $"'{image}'", ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                using var reader = new StreamReader(body);
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                    output.Read(line);
            }
        }
        catch (DockerOperationException e)
        {
            // The engine refused the request itself (a bad parameter, a Dockerfile it cannot read).
            throw new ImageBuildException(image, e.Reason, EngineErrors.NamesUnreachableRegistry(e.Reason), e);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not DockerEngineUnavailableException && EngineErrors.IsTransportFailure(e))
        {
            throw EngineErrors.Unavailable(endpoint, "build image", $"'{image}'", e);
        }
        if (output.Error is { } error)
        {
            // A failing RUN prints its output before the builder's error: the failing step's last lines say why.
            var step = output.Tail.SkipWhile((_, i) => output.Tail.Skip(i).Any(l => l.StartsWith("Step ", StringComparison.Ordinal))).ToList();
            var tail = step.Where(l => !l.StartsWith(" ---> ", StringComparison.Ordinal) && !l.StartsWith("Removing intermediate container", StringComparison.Ordinal))
                .TakeLast(3).ToList();
            var reason = tail.Count == 0 || error.Contains(tail[^1], StringComparison.Ordinal) ? error : $"{error} (output: {string.Join(" | ", tail)})";
            throw new ImageBuildException(image, reason, EngineErrors.NamesUnreachableRegistry(error));
        }
        return await InspectAsync(output.ImageId ?? image, ct).ConfigureAwait(false)
            ?? throw new ImageBuildException(image, "the builder finished but the image is not on the host");
    }

    /// <summary>
    /// <c>X-Registry-Config</c>: credentials for the registries of the Dockerfile's base images (what
    /// the builder may pull for <c>FROM</c>), base64url JSON keyed by server as the docker CLI sends it.
    /// Null when none has credentials.
    /// </summary>
    private async Task<string?> RegistryConfigAsync(string dockerfile, CancellationToken ct)
    {
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hosts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in FromLine().Matches(dockerfile))
        {
            var reference = m.Groups["image"].Value;
            if (m.Groups["stage"].Success) stages.Add(m.Groups["stage"].Value);
            if (reference.Contains('$', StringComparison.Ordinal) || reference.Equals("scratch", StringComparison.OrdinalIgnoreCase) || stages.Contains(reference)) continue;
            try { hosts.Add(ImageReference.Parse(reference).RegistryHost); }
            catch (FormatException) { /* not a reference: the builder will say so */ }
        }
        using var buffer = new MemoryStream();
        var any = false;
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var host in hosts)
            {
                var lookup = await credentials.FindAsync(host, ct).ConfigureAwait(false);
                if (lookup.Credential is not { } c) continue;
                any = true;
                w.WriteStartObject(c.ServerAddress);
                if (c.Username is not null) w.WriteString("username", c.Username);
                if (c.Password is not null) w.WriteString("password", c.Password);
                if (c.IdentityToken is not null) w.WriteString("identitytoken", c.IdentityToken);
                w.WriteString("serveraddress", c.ServerAddress);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return any ? Convert.ToBase64String(buffer.ToArray()).Replace('+', '-').Replace('/', '_') : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*FROM\s+(?:--\S+\s+)*(?<image>\S+)(?:\s+AS\s+(?<stage>\S+))?", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex FromLine();
}
