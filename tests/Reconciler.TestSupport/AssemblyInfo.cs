// sshd, git http-backend, POSIX file modes and symlinks are Linux-only: those helpers carry
// [UnsupportedOSPlatform("windows")] themselves, so the portable ones (JsonDiff, the engine
// fixture) stay usable from test projects that run anywhere.
