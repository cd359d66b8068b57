"""bench/mercure_bench.py — bench/run's `mercure` section: the built-in Mercure hub at 10,000 subscribers.

The client is bench/mercure_subscribers.cpp (CMake target pogo_mercure_bench, built by `make bench`
next to pogo: build-bench/bench/), which starts `pogo run` itself (a site with a `mercure` block and
a publish.php calling mercure_publish() with hrtime(true) as the data), connects --mercure-subscribers
idle subscribers over HTTP/1.1 and measures:
  memory     the server's RSS with N subscribers minus with one, divided by N (goal <= 10 KiB each);
  latency    --mercure-publishes updates published one at a time by PHP; for each, the time from
             mercure_publish() to the last of the N subscribers reading it from its socket (goal: p99
             <= 50 ms), and every subscriber's own time (p50, p99);
  floor      the same client and measure against a plain writer process (no hub, no HTTP server):
             one write(2) per subscriber from one thread per core. It is what N loopback writes and
             reads cost on this machine's cores, the least any hub could take here.
There is no peer: the reference hub is not in Debian; the figures are the issue's absolute goals,
printed beside the floor.
The client shares the machine's cores with the server, as a real load test on one machine does.
"""

import json
import os
import subprocess


def add_arguments(ap):
    g = ap.add_argument_group("mercure section")
    g.add_argument("--mercure-subscribers", type=int, default=10000, help="idle subscribers (default 10000)")
    g.add_argument("--mercure-publishes", type=int, default=50, help="updates timed (default 50)")


def sections(lib, args):
    def client(ctx):
        path = os.path.join(os.path.dirname(ctx.pogo), "bench", "pogo_mercure_bench")
        if not os.path.exists(path):
            raise RuntimeError(f"{path} not found: cmake --build BUILD --target pogo_mercure_bench (make bench builds it)")
        return path

    def mercure_section():
        return lib.Section(name="mercure", peers={}, comparisons=[], custom=measure,
                           estimate=lambda a: 30 + a.mercure_publishes * 0.4)

    def measure(runner, section):
        ctx = runner.ctx
        d = os.path.join(ctx.tmp, "mercure")
        os.makedirs(d, exist_ok=True)
        p = subprocess.run([client(ctx), "--pogo", ctx.pogo, "--dir", d, "--subscribers", str(args.mercure_subscribers),
                            "--publishes", str(args.mercure_publishes)], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"pogo_mercure_bench failed: {(p.stdout + p.stderr).strip()[-400:]}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
        n = r["subscribers"]
        lines = [f"{n} subscribers connected in {r['connect_seconds']:.1f} s; server RSS {r['rss_before_kib']} -> "
                 f"{r['rss_after_kib']} KiB: {r['kib_per_subscriber']:.2f} KiB per subscriber",
                 f"{r['publishes']} updates from mercure_publish() to the last of {n} subscribers: p50 "
                 f"{r['last_p50_ms']:.1f} ms, p99 {r['last_p99_ms']:.1f} ms, max {r['last_max_ms']:.1f} ms "
                 f"({r['incomplete']} incomplete); each subscriber: p50 {r['each_p50_ms']:.1f} ms, "
                 f"p99 {r['each_p99_ms']:.1f} ms"]
        if "floor_last_p99_ms" in r:
            lines.append(f"floor (plain write(2) from {r['floor_writer_threads']} threads, no server), to the last of {n}: "
                         f"p50 {r['floor_last_p50_ms']:.1f} ms, p99 {r['floor_last_p99_ms']:.1f} ms; pogo / floor: "
                         f"p50 {r['last_p50_ms'] / r['floor_last_p50_ms']:.2f}x, p99 {r['last_p99_ms'] / r['floor_last_p99_ms']:.2f}x")
        elif "floor_error" in r:
            runner.errors.append(f"mercure floor: {r['floor_error']}")
        runner.reports.append(("Mercure hub (bench/mercure_subscribers.cpp)", lines))
        runner.results.append(dict(r, section="mercure", custom=True))
        kib, p99 = r["kib_per_subscriber"], r["last_p99_ms"]
        runner.ratios.append({"section": "mercure", "comparison": "memory", "connections": n,
                              "what": f"memory per idle subscriber ({n})", "measured_text": f"{kib:.2f} KiB",
                              "ratio": None, "goal": None, "goal_text": "<= 10 KiB", "met": kib <= 10})
        runner.ratios.append({"section": "mercure", "comparison": "latency", "connections": n,
                              "what": f"mercure_publish() to the last of {n} subscribers, p99",
                              "measured_text": f"{p99:.1f} ms (p50 {r['last_p50_ms']:.1f})" +
                              (f"; machine floor {r['floor_last_p99_ms']:.1f} (p50 {r['floor_last_p50_ms']:.1f})"
                               if "floor_last_p99_ms" in r else ""),
                              "ratio": None, "goal": None, "goal_text": "p99 <= 50 ms",
                              "met": p99 <= 50 and r["incomplete"] == 0})

    return [mercure_section]
