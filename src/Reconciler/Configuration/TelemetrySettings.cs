namespace Reconciler.Configuration;

/// <summary>The rules of the <c>telemetry:</c> section, shared by the config reader and the exporter's set-up.</summary>
public static class TelemetrySettings
{
    /// <summary>Why <paramref name="endpoint"/> cannot be an OTLP endpoint, or null when it can.</summary>
    public static string? OtlpEndpointError(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? null
            : $"telemetry.otlp_endpoint \"{endpoint}\" is not an http:// or https:// URL";
}
