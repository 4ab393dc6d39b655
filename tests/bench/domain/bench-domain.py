#!/usr/bin/python3
"""Benchmark `planet-selinux domain` offline against what a user would reach
for without it.

10,000 paths are created in a temporary root at places the policy's
file_contexts labels (every literal *_exec_t path it names, filled up with
bin_t and usr_t files and a few missing paths) and their domains computed
from init_t against a full Debian policy, policy load included. The peers do
the same work per path:

  sesearch     a shell loop of `selabel_lookup` + `sesearch --type_trans`
               (selinuxexeccon needs a live SELinux kernel; this is its
               offline equivalent), policy loaded per call
  setools      a python loop: policy and file_contexts loaded once, one
               setools TERuleQuery per path

The peers are timed on a sample and extrapolated to 10,000 paths. Their
answers are compared with ours on that sample: a mismatch fails the run.

Environment: PLANET_SELINUX (the binary), BENCH_POLICY_ROOT (default /: the
system's Debian policy), BENCH_PATHS (10000), BENCH_RUNS (5),
BENCH_SESEARCH_SAMPLE (10), BENCH_SETOOLS_SAMPLE (20).
"""
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = "system_u:system_r:init_t:s0"


def env_int(name, default):
    return int(os.environ.get(name, default))


def die(msg):
    print(f"bench-domain: {msg}", file=sys.stderr)
    sys.exit(1)


def policy_files(root):
    stype = "default"
    try:
        with open(os.path.join(root, "etc/selinux/config")) as f:
            for line in f:
                m = re.match(r"\s*SELINUXTYPE=(\S+)", line)
                if m:
                    stype = m.group(1)
    except FileNotFoundError:
        pass
    base = os.path.join(root, "etc/selinux", stype)
    pdir = os.path.join(base, "policy")
    try:
        versions = sorted(int(n[7:]) for n in os.listdir(pdir) if re.fullmatch(r"policy\.\d+", n))
    except FileNotFoundError:
        versions = []
    if not versions:
        die(f"no policy.NN in {pdir}: install selinux-policy-default or set BENCH_POLICY_ROOT")
    return (os.path.join(pdir, f"policy.{versions[-1]}"),
            os.path.join(base, "contexts/files/file_contexts"))


LITERAL = re.compile(r"^(/(?:[A-Za-z0-9_+\-]|\\\.|\\\+)+)+$")


def exec_paths(fc):
    """Literal regular-file paths file_contexts labels *_exec_t."""
    paths = []
    with open(fc) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] == "--":
                spec, ctx = parts[0], parts[2]
            elif len(parts) == 2:
                spec, ctx = parts
            else:
                continue
            if not ctx.split(":")[2:3] or not ctx.split(":")[2].endswith("_exec_t"):
                continue
            if not LITERAL.match(spec):
                continue
            paths.append(spec.replace("\\.", ".").replace("\\+", "+"))
    return sorted(set(paths))


def build_root(root, fc, n):
    paths = exec_paths(fc)
    # Keep room for the filler kinds: at most 60% exec paths.
    paths = paths[: int(n * 0.6)]
    i = 0
    while len(paths) < n - 10:
        paths.append(f"/usr/bin/planet-bench-{i}" if i % 2 else f"/usr/share/planet-bench/{i}")
        i += 1
    missing = [f"/usr/sbin/planet-bench-missing-{j}" for j in range(n - len(paths))]
    made = []
    for p in paths:
        full = root + p
        try:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write("#!/bin/true\n")
            os.chmod(full, 0o755)
            made.append(p)
        except (NotADirectoryError, IsADirectoryError, FileExistsError):
            # A path that is a directory in another entry: skip it.
            continue
    everything = made + missing
    random.Random(42).shuffle(everything)
    return everything


def run_ours(tool, policy_args, root, paths):
    """Wall and CPU (user+sys) seconds of one run. The machine may be
    shared: CPU time is the steadier figure."""
    args = [tool, "domain", *policy_args, "--root", root, "--no-legend", *paths]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 1):
        die(f"planet-selinux domain exited {p.returncode}: run it by hand to see why")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def ours_answers(tool, policy_args, root, paths):
    p = subprocess.run([tool, "domain", *policy_args, "--root", root, "--json", *paths],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        die(f"planet-selinux domain --json exited {p.returncode}: {p.stderr.strip()}")
    out = {}
    for e in json.loads(p.stdout)["paths"]:
        d = e["domain"]
        out[e["path"]] = d.split(":")[2] if d and e["result"] == "transition" else None
    return out


def type_of(ctx):
    return ctx.split(":")[2]


def sesearch_loop(policy, fc, root, sample):
    answers = {}
    t = time.perf_counter()
    for p in sample:
        if not os.path.lexists(root + p):
            answers[p] = None
            continue
        lk = subprocess.run(["selabel_lookup", "-b", "file", "-f", fc, "-k", p],
                            capture_output=True, text=True)
        m = re.search(r"context: (\S+)", lk.stdout)
        if not m or "<<none>>" in lk.stdout:
            answers[p] = None
            continue
        tt = subprocess.run(["sesearch", "--type_trans", "-s", "init_t", "-t", type_of(m.group(1)),
                             "-c", "process", policy], capture_output=True, text=True)
        # "type_transition SRC TGT:process DOMAIN;" -- not the name-based ones
        rules = [line for line in tt.stdout.splitlines() if line.startswith("type_transition")
                 and len(line.split()) == 4]
        answers[p] = rules[0].split()[-1].rstrip(";") if rules else None
    return time.perf_counter() - t, answers


def setools_loop(policy, fc, root, sample):
    import selinux
    import setools

    answers = {}
    t = time.perf_counter()
    pol = setools.SELinuxPolicy(policy)
    opt = selinux.selinux_opt()
    opt.type = selinux.SELABEL_OPT_PATH
    opt.value = fc
    handle = selinux.selabel_open(selinux.SELABEL_CTX_FILE, opt, 1)
    for p in sample:
        try:
            mode = os.lstat(root + p).st_mode
        except FileNotFoundError:
            answers[p] = None
            continue
        try:
            rc, ctx = selinux.selabel_lookup(handle, p, mode)
        except OSError:
            answers[p] = None
            continue
        q = setools.TERuleQuery(pol, ruletype=["type_transition"], source="init_t",
                                target=type_of(ctx), tclass=["process"])
        rules = [r for r in q.results() if not getattr(r, "filename", None)]
        answers[p] = str(rules[0].default) if rules else None
    return time.perf_counter() - t, answers


def selabel_floor(fc, root, paths):
    import selinux

    opt = selinux.selinux_opt()
    opt.type = selinux.SELABEL_OPT_PATH
    opt.value = fc
    before = resource.getrusage(resource.RUSAGE_SELF)
    handle = selinux.selabel_open(selinux.SELABEL_CTX_FILE, opt, 1)
    for p in paths:
        try:
            selinux.selabel_lookup(handle, p, os.lstat(root + p).st_mode)
        except OSError:
            pass
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fmt_time(s):
    if s >= 100:
        return f"{s:,.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.1f} µs"


def main():
    tool = os.environ.get("PLANET_SELINUX") or shutil.which("planet-selinux") or die(
        "set PLANET_SELINUX to the built planet-selinux")
    policy_root = os.environ.get("BENCH_POLICY_ROOT", "/")
    n = env_int("BENCH_PATHS", 10000)
    runs = env_int("BENCH_RUNS", 5)
    policy, fc = policy_files(policy_root)
    policy_args = ["--policy", policy, "--file-contexts", fc]

    tmp = tempfile.mkdtemp(prefix="planet-bench-domain.")
    try:
        root = os.path.join(tmp, "root")
        paths = build_root(root, fc, n)
        answers = ours_answers(tool, policy_args, root, paths)
        transitions = sum(1 for v in answers.values() if v)
        print(f"policy: {policy} ({os.path.getsize(policy) / 1e6:.1f} MB), "
              f"file_contexts: {fc}")
        literal = sum(1 for p in paths if "planet-bench" not in p)
        print(f"paths: {len(paths)} ({literal} literal *_exec_t paths from file_contexts, the "
              f"rest bin_t/usr_t fillers and missing paths; {transitions} transition from "
              f"init_t), from {SOURCE}")

        one = [run_ours(tool, policy_args, root, paths[:1]) for _ in range(runs)]
        full = [run_ours(tool, policy_args, root, paths) for _ in range(runs)]
        one_cpu = statistics.median(c for _, c in one)
        total = statistics.median(w for w, _ in full)
        cpu = statistics.median(c for _, c in full)
        per_path = (cpu - one_cpu) / (len(paths) - 1)
        print(f"planet-selinux domain: {fmt_time(total)} wall, {fmt_time(cpu)} CPU for "
              f"{len(paths)} paths (median of {runs}), policy load included; "
              f"{fmt_time(cpu / len(paths))} CPU/path overall, {fmt_time(per_path)}/path "
              f"beyond the {fmt_time(one_cpu)} of a one-path run (policy + file_contexts load)")
        goal = "met" if cpu <= 0.100 else "NOT met"
        print(f"goal <= 100 ms for 10k paths including policy load: {goal}")

        # The floor under any answer: libselinux's own file_contexts lookup
        # of every path, handle opened once (what matchpathcon does).
        floor = selabel_floor(fc, root, paths)
        print(f"selabel_lookup alone (python, handle opened once): {fmt_time(floor)} for "
              f"{len(paths)} paths, {fmt_time(floor / len(paths))}/path: "
              f"{floor / cpu:.0%} of planet-selinux domain's CPU time")

        rng = random.Random(7)
        mismatches = 0
        for name, loop, k in (("sesearch --type_trans loop", sesearch_loop,
                               env_int("BENCH_SESEARCH_SAMPLE", 10)),
                              ("setools python loop", setools_loop,
                               env_int("BENCH_SETOOLS_SAMPLE", 20))):
            # Sample transitions and non-transitions alike.
            with_t = [p for p in paths if answers.get(p)]
            without = [p for p in paths if not answers.get(p)]
            sample = rng.sample(with_t, min(k // 2, len(with_t)))
            sample += rng.sample(without, min(k - len(sample), len(without)))
            elapsed, theirs = loop(policy, fc, root, sample)
            extrapolated = elapsed / len(sample) * len(paths)
            print(f"{name}: {fmt_time(elapsed)} for a sample of {len(sample)}, "
                  f"{fmt_time(elapsed / len(sample))}/path, ≈ {fmt_time(extrapolated)} for "
                  f"{len(paths)} paths: planet-selinux domain is {extrapolated / total:,.0f}× faster")
            for p in sample:
                if theirs[p] != answers[p]:
                    mismatches += 1
                    print(f"  MISMATCH {p}: {name} says {theirs[p]}, we say {answers[p]}")
        if mismatches:
            die(f"{mismatches} answers differ from the peers")
        print("answers agree with both peers on every sampled path")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
