// The host runs on Linux: these tests check file modes, Unix sockets and the TestSupport servers.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
