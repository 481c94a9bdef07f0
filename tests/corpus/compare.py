#!/usr/bin/env python3
"""Compares `reconciler config --format json` with `docker compose config --format json` on
real-world compose projects: every compose file found in the git repositories given, each loaded
from its own folder of a full checkout (default file names without -f, so overrides and .env are
picked up as a user's `docker compose up` would; any other name with -f).

Usage: compare.py [--reconciler BIN] [--out DIR] [--only SUBSTR] REPO_DIR...
  REPO_DIR  a git repository (a clone or a bare mirror); its HEAD is checked out to a scratch dir.
Prints one line per project (equal / differs / both fail / one fails) and a summary of the
differing key paths, and writes DIR/report.json. Needs `docker compose` and python3 only.
"""
import argparse, json, os, re, subprocess, sys, tempfile, collections, pathlib

DEFAULT_NAMES = {"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
PATTERN = re.compile(r"(^|/)(docker-)?compose[^/]*\.ya?ml$")

def checkout(repo, into):
    name = os.path.basename(os.path.dirname(repo.rstrip("/"))) if repo.rstrip("/").endswith("/repo") else os.path.basename(repo.rstrip("/"))
    dest = os.path.join(into, name)
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.run(["git", "-C", repo, "archive", "HEAD"], capture_output=True)
    if archive.returncode != 0:
        # A mirror with large blobs left out: take only the folders that hold compose files.
        names = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD"], capture_output=True, text=True, check=True).stdout.split("\n")
        folders = sorted({os.path.dirname(n) or "." for n in names if PATTERN.search(n)})
        archive = subprocess.run(["git", "-C", repo, "archive", "HEAD", "--", *folders], capture_output=True, check=True)
    archive = archive.stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    return name, dest, commit

def projects(root):
    """(folder, [files]) per project: default-named files load alone (overrides auto-added)."""
    seen = set()
    for dirpath, _, files in os.walk(root):
        defaults = sorted(f for f in files if f in DEFAULT_NAMES)
        if defaults:
            key = (dirpath, None)
            if key not in seen:
                seen.add(key); yield dirpath, []
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            if PATTERN.search(rel) and f not in DEFAULT_NAMES and ".override." not in f:
                yield dirpath, [f]

def run(cmd, cwd):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"

def diff(a, b, path="", out=None):
    out = [] if out is None else out
    if type(a) != type(b):
        out.append((path or "$", a, b))
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append((f"{path}.{k}", a.get(k, "<absent>"), b.get(k, "<absent>")))
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append((path, a, b))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append((path, a, b))
    return out

def generic(path):
    """A key path with service/network/volume names and indexes replaced, to count kinds of differences."""
    path = re.sub(r"^\.(services|networks|volumes|secrets|configs)\.[^.\[]+", r".\1.*", path)
    return re.sub(r"\[\d+\]", "[]", path)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reconciler", default="reconciler")
    ap.add_argument("--out", default=tempfile.mkdtemp(prefix="corpus-"))
    ap.add_argument("--only")
    ap.add_argument("repos", nargs="+")
    args = ap.parse_args()
    work = os.path.join(args.out, "src")
    results, kinds = [], collections.Counter()
    for repo in args.repos:
        try:
            name, root, commit = checkout(repo, work)
        except subprocess.CalledProcessError as e:
            print(f"skipped {repo}: git archive failed ({e.stderr.decode(errors='replace').strip()[:200]})", file=sys.stderr)
            continue
        for folder, files in projects(root):
            label = os.path.relpath(os.path.join(folder, files[0]) if files else folder, work)
            if args.only and args.only not in label: continue
            flags = [x for f in files for x in ("-f", f)]
            rc_c, out_c, err_c = run(["docker", "compose", *flags, "config", "--format", "json"], folder)
            rc_r, out_r, err_r = run([args.reconciler, "config", *flags, "--format", "json"], folder)
            entry = {"project": label, "repo": name, "commit": commit}
            if rc_c != 0 and rc_r != 0:
                entry["result"] = "both fail"
            elif rc_c != 0 or rc_r != 0:
                entry["result"] = "compose fails" if rc_c else "reconciler fails"
                entry["error"] = (err_c if rc_c else err_r).strip()[-600:]
            else:
                a, b = json.loads(out_c), json.loads(out_r)
                d = diff(a, b)
                entry["result"] = "equal" if not d else "differs"
                entry["bytes_equal"] = out_c == out_r
                entry["differences"] = [{"path": p, "compose": x, "reconciler": y} for p, x, y in d[:40]]
                for p, _, _ in d: kinds[generic(p)] += 1
            if entry["result"] in ("reconciler fails", "compose fails"): kinds[entry["result"]] += 1
            results.append(entry)
            print(f"{entry['result']:16} {label}" + (f"  ({len(entry.get('differences', []))} fields)" if entry["result"] == "differs" else ""), flush=True)
    summary = collections.Counter(r["result"] for r in results)
    print("\n" + ", ".join(f"{k}: {v}" for k, v in summary.most_common()) + f"  (of {len(results)})")
    print("bytes equal:", sum(1 for r in results if r.get("bytes_equal")))
    for k, v in kinds.most_common(60): print(f"{v:5}  {k}")
    with open(os.path.join(args.out, "report.json"), "w") as f: json.dump(results, f, indent=1, default=str)
    print("report:", os.path.join(args.out, "report.json"))

if __name__ == "__main__":
    main()
