"""bench/alloc_bench.py — bench/run's `alloc` section: heap allocations per request in `pogo run`.

Pogo runs with LD_PRELOAD=libpogo_alloc_count.so (bench/alloc_count.cpp, CMake target
pogo_alloc_count, built by `make bench` next to pogo: build-bench/bench/), which counts malloc,
calloc, realloc, the aligned allocators and operator new per thread, and writes the counts when
asked (a trigger file). For each case the section warms the server up, takes the counts, sends
exactly --alloc-requests requests (h2load --h1: HTTP/1.1, 8 keep-alive connections), takes the
counts again and divides the difference by the number of requests, the PHP threads (php-N) apart
from the others (the loops and the main thread; Pogo does not name its loop threads, so "other" is
everything that is not php-N, the shim's own thread left out). Cases, one `pogo run` each:
  file_server    a 14-byte file through a `file_server` site;
  php_server     the 4 KiB file through `php_server` (its try_files finds the file);
  php classic    hello.php through `php_server`;
  php worker     hello-worker.php through `php_server { worker ... }`.
PHP's own allocator (emalloc: zend_mm, chunks from mmap) is not the system heap: what PHP allocates
per request shows only where it reaches malloc (persistent allocations, libraries, Pogo's code).
No goal: the figures are for the engineers reducing them (issue 12 asks for none on the static
path and a small fixed number on the PHP path).
"""

import os
import re
import subprocess
import time


def add_arguments(ap):
    g = ap.add_argument_group("alloc section")
    g.add_argument("--alloc-requests", type=int, default=20000, help="requests per case (default 20000)")
    g.add_argument("--alloc-shim", default=None,
                   help="libpogo_alloc_count.so (default: bench/libpogo_alloc_count.so next to the pogo binary)")


KINDS = ("malloc", "calloc", "realloc", "aligned", "new")


def read_counts(path, deadline=5.0):
    """{tid: (comm, [counts...])} from the shim, asked through PATH.req."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    open(path + ".req", "w").close()
    end = time.monotonic() + deadline
    while os.path.exists(path + ".req") or not os.path.exists(path):
        if time.monotonic() > end:
            raise RuntimeError("the allocation counter did not answer (is the shim preloaded?)")
        time.sleep(0.02)
    out = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 2 + len(KINDS):
                out[int(fields[0])] = (fields[1], [int(x) for x in fields[2:]])
    return out


def run_h2load(url, n, connections=8):
    p = subprocess.run(["h2load", "--h1", "-t1", f"-c{connections}", f"-n{n}", url],
                       capture_output=True, text=True, timeout=300)
    m = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded", p.stdout)
    if p.returncode != 0 or not m or int(m.group(3)) != n:
        raise RuntimeError(f"h2load --h1 -n{n} {url}: {(p.stdout + p.stderr).strip()[-300:]!r}")
    return n


def sections(lib, args):
    import jobs_bench  # the worker script and its app directory

    def shim(ctx):
        path = args.alloc_shim or os.path.join(os.path.dirname(ctx.pogo), "bench", "libpogo_alloc_count.so")
        if not os.path.exists(path):
            raise RuntimeError(f"{path} not found: cmake --build BUILD --target pogo_alloc_count (make bench builds it)")
        return os.path.abspath(path)

    class CountedPeer(lib.PogoRunPeer):
        """A PogoRunPeer with the shim preloaded; counts(): the shim's counts now."""

        def start(self, ctx):
            self.counts_path = os.path.join(ctx.tmp, f"{self.name}.allocs")
            self.env = {"LD_PRELOAD": shim(ctx), "POGO_ALLOC_COUNT": self.counts_path}
            return super().start(ctx)

        def counts(self):
            return read_counts(self.counts_path)

    app_public = lambda ctx: os.path.join(jobs_bench.make_app(ctx), "public")  # noqa: E731
    CASES = (
        ("file_server", "alloc-file-server", "/tiny.txt", lambda: CountedPeer("alloc-file-server", file_server=True)),
        ("php_server static", "alloc-php-server", "/static.txt", lambda: CountedPeer("alloc-php-server")),
        ("php classic", "alloc-php-server", "/hello.php", None),
        ("php worker", "alloc-worker", "/hello-worker.php",
         lambda: CountedPeer("alloc-worker", root=app_public,
                             worker=lambda ctx: os.path.join(app_public(ctx), "hello-worker.php"))),
    )

    def alloc_section():
        return lib.Section(name="alloc", peers={key: make for _, key, _, make in CASES if make},
                           comparisons=[], custom=measure_allocs,
                           estimate=lambda a: len(CASES) * (3 + 2 * a.alloc_requests / 4000))

    def measure_allocs(runner, section):
        n = args.alloc_requests
        lines = [f"{'case':<18} {'PHP threads':>12} {'other threads':>14} {'all':>8}   "
                 f"(allocations per request: {' + '.join(KINDS)}; {n} requests, h2load --h1 -c8)"]
        failed = []
        for name, key, path, _ in CASES:
            peer, base = runner.peer(section, key)
            if peer is None:
                failed.append(f"{name}: did not start: {base}")
                continue
            try:
                run_h2load(base + path, max(500, n // 10))  # warm: caches, opcache, keep-alive paths
                before = peer.counts()
                run_h2load(base + path, n)
                time.sleep(0.2)  # the last responses' clean-up
                after = peer.counts()
            except Exception as e:
                failed.append(f"{name}: {e}")
                continue
            per = {"php": [0] * len(KINDS), "other": [0] * len(KINDS)}
            for tid, (comm, counts) in after.items():
                if comm == "alloc-count":
                    continue
                old = before.get(tid, (comm, [0] * len(KINDS)))[1]
                group = "php" if comm.startswith("php-") else "other"
                per[group] = [t + c - o for t, c, o in zip(per[group], counts, old)]
            php, other = sum(per["php"]) / n, sum(per["other"]) / n
            detail = lambda v: " + ".join(f"{x / n:.2f}" for x in v)  # noqa: E731
            lines.append(f"{name:<18} {php:>12.2f} {other:>14.2f} {php + other:>8.2f}   "
                         f"php {detail(per['php'])}; other {detail(per['other'])}")
            runner.results.append({"section": "alloc", "comparison": name, "peer": key, "custom": True,
                                   "requests": n, "php_per_request": php, "other_per_request": other,
                                   "php_by_kind": dict(zip(KINDS, (x / n for x in per["php"]))),
                                   "other_by_kind": dict(zip(KINDS, (x / n for x in per["other"])))})
            runner.ratios.append({"section": "alloc", "comparison": name, "connections": None,
                                  "what": f"heap allocations per request, {name} ({path})",
                                  "measured_text": f"{php + other:.2f} (PHP threads {php:.2f}, other {other:.2f})",
                                  "ratio": None, "goal": None, "goal_text": "reported (issue 12: none on the "
                                  "static path)" if "static" in name or "file" in name else "reported",
                                  "met": None})
        runner.reports.append(("Heap allocations per request (LD_PRELOAD libpogo_alloc_count.so)", lines + failed))
        if failed:
            raise RuntimeError("; ".join(failed))

    return [alloc_section]
