// The daemon harness signals processes, and the fixtures run dockerd, ip and POSIX file modes: Linux hosts only.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
