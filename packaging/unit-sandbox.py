#!/usr/bin/python3
"""Run a command the way systemd would run a unit's ExecStart=, on a machine where systemd is not
PID 1 (CI containers). Reads the [Service] section of the unit file and reproduces the parts that
decide whether the daemon can work inside its sandbox:

  identity      User=, Group=, SupplementaryGroups=, UMask=, a clean environment with HOME,
                STATE_DIRECTORY, CONFIGURATION_DIRECTORY (+ NOTIFY_SOCKET, WATCHDOG_USEC)
  directories   StateDirectory= (created, chowned, mode), ConfigurationDirectory=
  privileges    NoNewPrivileges=, CapabilityBoundingSet= (empty: every capability dropped)
  mounts        a private mount namespace with ProtectSystem=strict (everything read-only but the
                state directory, /dev, /proc, /sys), ProtectHome=yes, PrivateTmp=yes,
                PrivateDevices=yes (a minimal /dev), ProtectKernelTunables=, ProtectControlGroups=,
                ProtectProc= and ProcSubset= (a fresh /proc with hidepid= and subset=)
  the manager   the command runs as the child of a process named "systemd" (what .NET's
                UseSystemd() looks for before it sends READY=1), which owns $NOTIFY_SOCKET, logs
                every notification with its time since exec, and passes SIGTERM/SIGINT/SIGHUP on
  seccomp       SystemCallFilter= (groups expanded by `systemd-analyze syscall-filter`, so they
                are systemd's own lists), SystemCallErrorNumber=, SystemCallArchitectures=native,
                RestrictAddressFamilies=, RestrictNamespaces=, RestrictSUIDSGID=,
                RestrictRealtime=, MemoryDenyWriteExecute=

It is an emulation, not systemd: what it checks is that the program runs under those rules.

    unit-sandbox.py [--unit FILE] [--notify-log FILE] [--watchdog-usec N] [--deny-write-execute]
                    -- COMMAND ARGS...

--notify-log FILE   where notifications go, one per line: "<seconds since exec> <message>"
                    (default: stderr)
--watchdog-usec N   WATCHDOG_USEC to pass instead of the unit's WatchdogSec=
--deny-write-execute  add MemoryDenyWriteExecute=yes even when the unit does not set it (to show
                    why the unit does not)

Exits with the command's exit status (128+N when killed by signal N). Needs root,
python3-seccomp and util-linux's mount.
"""
import ctypes
import errno
import grp
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

try:
    import seccomp
except ImportError:
    sys.exit("unit-sandbox: python3-seccomp is required (apt-get install -y python3-seccomp)")

HERE = os.path.dirname(os.path.abspath(__file__))
libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
NS_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080]
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_NAME = 15
PROT_WRITE, PROT_EXEC = 0x2, 0x4
SHM_EXEC = 0o100000
AF = {"AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17}


def die(msg):
    sys.stderr.write(f"unit-sandbox: {msg}\n")
    sys.exit(125)


def parse_unit(path):
    """The [Service] section as {key: [values in order]}."""
    service, section = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                k, v = line.split("=", 1)
                service.setdefault(k.strip(), []).append(v.strip())
    return service


def last(svc, key, default=None):
    return svc[key][-1] if key in svc else default


def yes(svc, key):
    return (last(svc, key, "no") or "no").lower() in ("yes", "true", "1", "on")


def run(*cmd):
    subprocess.run(cmd, check=True)


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4].replace("\\040", " ") for line in f]


def under(path, roots):
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def build_mounts(svc, state_dirs):
    if libc.unshare(CLONE_NEWNS) != 0:
        die(f"unshare(CLONE_NEWNS): {os.strerror(ctypes.get_errno())}")
    run("mount", "--make-rprivate", "/")
    keep_rw = []
    for d in state_dirs:  # StateDirectory= stays writable under ProtectSystem=strict
        run("mount", "--bind", d, d)
        keep_rw.append(d)
    if yes(svc, "PrivateDevices"):
        newdev = tempfile.mkdtemp(prefix="unit-sandbox-dev.")
        run("mount", "-t", "tmpfs", "-o", "mode=0755,nosuid,noexec", "tmpfs", newdev)
        for node in ("null", "zero", "full", "random", "urandom", "tty"):
            if os.path.exists(f"/dev/{node}"):
                open(f"{newdev}/{node}", "w").close()
                run("mount", "--bind", f"/dev/{node}", f"{newdev}/{node}")
        os.mkdir(f"{newdev}/shm")
        run("mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", f"{newdev}/shm")
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"{newdev}/{name}")
        run("mount", "--move", newdev, "/dev")
        os.rmdir(newdev)
    if yes(svc, "PrivateTmp"):
        for t in ("/tmp", "/var/tmp"):
            run("mount", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", t)
            keep_rw.append(t)
    if (last(svc, "ProtectHome") or "no") in ("yes", "read-only", "tmpfs"):
        for h in ("/home", "/root", "/run/user"):
            if os.path.isdir(h):
                run("mount", "-t", "tmpfs", "-o", "ro,mode=0000", "tmpfs", h)
    hidepid = last(svc, "ProtectProc", "default")
    subset = last(svc, "ProcSubset", "all")
    if hidepid != "default" or subset != "all":
        opts = "nosuid,nodev,noexec" + ("" if hidepid == "default" else f",hidepid={hidepid}") + \
            ("" if subset == "all" else f",subset={subset}")
        run("mount", "-t", "proc", "-o", opts, "proc", "/proc")
    if yes(svc, "ProtectKernelTunables") and os.path.isdir("/proc/sys"):  # absent with ProcSubset=pid
        run("mount", "--bind", "/proc/sys", "/proc/sys")
        run("mount", "-o", "remount,bind,ro", "/proc/sys")
    read_only_sys = yes(svc, "ProtectKernelTunables") or yes(svc, "ProtectControlGroups")
    if (last(svc, "ProtectSystem") or "no") == "strict":
        for mp in mount_points():
            if under(mp, ["/dev", "/proc"]) or mp in keep_rw or under(mp, ["/home", "/root", "/run/user"]):
                continue
            if under(mp, ["/sys"]) and not read_only_sys:
                continue
            subprocess.run(["mount", "-o", "remount,bind,ro", mp], stderr=subprocess.DEVNULL)


def expand_groups():
    """systemd's own syscall groups: {"@name": [members]} from `systemd-analyze syscall-filter`."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line.split()[0]
            groups[cur] = []
        elif cur and line.strip() and not line.strip().startswith("#"):
            groups[cur].append(line.split()[0])
    return groups


def resolve(names, groups, seen=None):
    seen = set() if seen is None else seen
    result = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            result |= resolve(groups.get(n, []), groups, seen)
        else:
            result.add(n)
    return result


def add(f, action, syscall, *args):
    try:
        f.add_rule(action, syscall, *args)
    except (RuntimeError, OSError, ValueError):
        pass  # syscall unknown to this libseccomp or kernel: nothing to filter


def build_seccomp(svc, deny_write_execute):
    filters = []
    errno_name = last(svc, "SystemCallErrorNumber")
    deny_action = seccomp.ERRNO(getattr(errno, errno_name)) if errno_name else seccomp.KILL_PROCESS
    if "SystemCallFilter" in svc:
        groups = expand_groups()
        allowed, first = set(), True
        for value in svc["SystemCallFilter"]:
            deny = value.startswith("~")
            names = value.lstrip("~").split()
            if first and not deny:
                allowed = resolve(names, groups)
            elif deny:
                allowed -= resolve(names, groups)
            else:
                allowed |= resolve(names, groups)
            first = False
        allow_list = seccomp.SyscallFilter(defaction=deny_action)
        for s in sorted(allowed):
            add(allow_list, seccomp.ALLOW, s)
        filters.append(allow_list)
    # Argument rules in a second, default-allow filter: the kernel applies the stricter result.
    extra = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    families = last(svc, "RestrictAddressFamilies")
    if families:
        ok = {AF[f] for f in families.split()}
        for fam in range(0, 64):
            if fam not in ok:
                add(extra, seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, fam))
        add(extra, seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.GE, 64))
    if yes(svc, "RestrictNamespaces"):
        for flag in NS_FLAGS:
            add(extra, seccomp.ERRNO(errno.EPERM), "unshare", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
            add(extra, seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        add(extra, seccomp.ERRNO(errno.EPERM), "setns")
        # systemd answers clone3 with ENOSYS (its flags are in memory), so libc falls back to clone.
        add(extra, seccomp.ERRNO(errno.ENOSYS), "clone3")
    if yes(svc, "RestrictSUIDSGID"):
        for bit in (0o4000, 0o2000):
            add(extra, seccomp.ERRNO(errno.EPERM), "chmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add(extra, seccomp.ERRNO(errno.EPERM), "fchmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
            add(extra, seccomp.ERRNO(errno.EPERM), "fchmodat", seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
    if yes(svc, "RestrictRealtime"):
        for policy in (1, 2, 6):  # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE
            add(extra, seccomp.ERRNO(errno.EPERM), "sched_setscheduler", seccomp.Arg(1, seccomp.EQ, policy))
    if yes(svc, "MemoryDenyWriteExecute") or deny_write_execute:
        wx = PROT_WRITE | PROT_EXEC
        add(extra, seccomp.ERRNO(errno.EPERM), "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
        add(extra, seccomp.ERRNO(errno.EPERM), "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add(extra, seccomp.ERRNO(errno.EPERM), "pkey_mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        add(extra, seccomp.ERRNO(errno.EPERM), "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
    filters.append(extra)
    return filters


def main():
    argv = sys.argv[1:]
    unit = os.path.join(HERE, "..", "systemd", "reconciler.service")
    watchdog_usec, deny_wx, notify_log = None, False, None
    while argv and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--unit":
            unit = argv.pop(0)
        elif opt == "--notify-log":
            notify_log = argv.pop(0)
        elif opt == "--watchdog-usec":
            watchdog_usec = argv.pop(0)
        elif opt == "--deny-write-execute":
            deny_wx = True
        else:
            die(f"unknown option {opt}")
    if not argv or len(argv) < 2:
        die("usage: unit-sandbox.py [--unit FILE] [--notify-log FILE] [--watchdog-usec N] [--deny-write-execute] -- COMMAND ARGS...")
    cmd = argv[1:]
    if os.geteuid() != 0:
        die("must run as root (it sets up mounts and switches user like systemd)")
    svc = parse_unit(unit)

    user = last(svc, "User", "root")
    pw = pwd.getpwnam(user)
    gid = grp.getgrnam(last(svc, "Group")).gr_gid if "Group" in svc else pw.pw_gid
    supplementary = [grp.getgrnam(g).gr_gid for v in svc.get("SupplementaryGroups", []) for g in v.split()]

    state_dirs = []
    for d in " ".join(svc.get("StateDirectory", [])).split():
        path = f"/var/lib/{d}"
        os.makedirs(path, exist_ok=True)
        os.chown(path, pw.pw_uid, gid)
        os.chmod(path, int(last(svc, "StateDirectoryMode", "0755"), 8))
        state_dirs.append(path)
    config_dirs = []
    for d in " ".join(svc.get("ConfigurationDirectory", [])).split():
        path = f"/etc/{d}"
        os.makedirs(path, exist_ok=True)
        os.chmod(path, int(last(svc, "ConfigurationDirectoryMode", "0755"), 8))
        config_dirs.append(path)

    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": pw.pw_dir, "USER": pw.pw_name, "LOGNAME": pw.pw_name, "SHELL": pw.pw_shell,
        "INVOCATION_ID": os.urandom(16).hex(),
    }
    if state_dirs:
        env["STATE_DIRECTORY"] = ":".join(state_dirs)
    if config_dirs:
        env["CONFIGURATION_DIRECTORY"] = ":".join(config_dirs)
    for v in svc.get("Environment", []):
        for kv in re.findall(r'(?:[^\s"]|"[^"]*")+', v):
            k, _, val = kv.strip('"').partition("=")
            env[k] = val
    if watchdog_usec is None and "WatchdogSec" in svc:
        w = last(svc, "WatchdogSec")
        m = re.fullmatch(r"(\d+)\s*(ms|s|sec|min|m)?", w)
        if m:
            scale = {"ms": 1_000, None: 1_000_000, "s": 1_000_000, "sec": 1_000_000, "min": 60_000_000, "m": 60_000_000}[m.group(2)]
            watchdog_usec = str(int(m.group(1)) * scale)
    if watchdog_usec:
        env["WATCHDOG_USEC"] = watchdog_usec
    exe = shutil.which(cmd[0], path=env["PATH"]) or cmd[0]

    # The "service manager": owns the notify socket, is named systemd, waits for the service.
    sock_dir = tempfile.mkdtemp(prefix="unit-sandbox.", dir="/run")
    os.chmod(sock_dir, 0o755)
    sock_path = os.path.join(sock_dir, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    os.chmod(sock_path, 0o666)  # systemd's own socket is world-writable too; NotifyAccess= filters
    env["NOTIFY_SOCKET"] = sock_path
    t0 = time.monotonic()
    child = os.fork()
    if child == 0:
        try:
            sock.close()
            env["SYSTEMD_EXEC_PID"] = str(os.getpid())
            if watchdog_usec:
                env["WATCHDOG_PID"] = str(os.getpid())
            build_mounts(svc, state_dirs)
            filters = build_seccomp(svc, deny_wx)
            become_service(svc, pw, gid, supplementary, filters)
            os.execve(exe, cmd, env)
        except BaseException as e:  # never fall back into the manager's code
            sys.stderr.write(f"unit-sandbox: {e}\n")
            os._exit(126)
    manage(child, sock, sock_dir, notify_log, t0)


def become_service(svc, pw, gid, supplementary, filters):
    if "CapabilityBoundingSet" in svc and last(svc, "CapabilityBoundingSet") == "":
        for cap in range(0, 64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL past the last capability: fine
    os.setgroups(supplementary)
    os.setresgid(gid, gid, gid)
    os.setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid)
    os.umask(int(last(svc, "UMask", "0022"), 8))
    os.chdir(last(svc, "WorkingDirectory", "/"))
    if yes(svc, "NoNewPrivileges") or filters:
        # Also required to load a seccomp filter without CAP_SYS_ADMIN, as systemd does too.
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            die("prctl(PR_SET_NO_NEW_PRIVS) failed")
    # The argument filter first: once the allow list is in force, seccomp(2) itself is refused.
    for f in reversed(filters):
        f.load()


def manage(child, sock, sock_dir, notify_log, t0):
    libc.prctl(PR_SET_NAME, b"systemd", 0, 0, 0)  # .NET checks its parent's /proc/PID/comm
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: os.kill(child, signum))
    out = open(notify_log, "a", buffering=1) if notify_log else sys.stderr
    status = None
    try:
        while status is None:
            try:
                ready, _, _ = select.select([sock], [], [], 0.05)
            except InterruptedError:
                ready = []
            if ready:
                data = sock.recv(4096)
                for line in data.decode(errors="replace").splitlines():
                    out.write(f"{time.monotonic() - t0:.3f} {line}\n")
            pid, st = os.waitpid(child, os.WNOHANG)
            if pid == child:
                status = st
    finally:
        sock.close()
        shutil.rmtree(sock_dir, ignore_errors=True)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
