// sshd, git http-backend, POSIX file modes and symlinks: these helpers serve Linux test runs only.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
