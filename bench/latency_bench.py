"""bench/latency_bench.py — bench/run's `latency` section: the classic workloads' tail latency at a
fixed request rate, with an open-loop client (bench/rate_client.cpp).

Why: the classic section's p99 comes from wrk at saturation. wrk is closed-loop, and on a 2-core
machine its threads share the cores with the server; a server that answers faster than wrk can read
leaves its answers waiting in wrk's sockets, and wrk counts the wait as the server's latency (the
static rows' p99 is mostly that). Here both peers get the same fixed rates — 50% and 80% of what
nginx (+ php-fpm) itself sustains under wrk in this run, so neither is saturated — and every
request's latency runs from the moment it was due, so a stall is charged for everything queued
behind it (coordinated omission corrected, as wrk2 does).

  workloads  PHP hello world classic (pogo run php_server vs nginx + php-fpm), 4 KiB static file
             through php_server vs nginx, 14-byte file through file_server vs nginx
  report     p50 / p99 / p99.9 per peer and rate; pogo / nginx p99 per case
  goal       issue 12's "p99 no worse than nginx + php-fpm's", read at a load both peers carry

bench/run imports this module and passes itself as `lib`.
"""
import json
import os
import subprocess

LOADS = (0.5, 0.8)  # fractions of the baseline's saturated req/s


def add_arguments(ap):
    g = ap.add_argument_group("latency section")
    g.add_argument("--latency-duration", type=float, default=3,
                   help="seconds of fixed-rate load per peer, rate, workload and round, after 1 s of warm-up "
                        "(default 3; --rounds rounds, the median by p99 is kept)")
    g.add_argument("--latency-connections", type=int, default=32,
                   help="keep-alive connections of the fixed-rate client (default 32)")


def sections(lib, args):
    if args.quick:
        args.latency_duration = min(args.latency_duration, 2)
    workloads = (  # name, pogo peer, path, expected body, what
        ("hello", "pogo-run", "/hello.php", lib.HELLO_BODY, "PHP hello world, classic"),
        ("static", "pogo-run", "/static.txt", None, "4 KiB static file through php_server"),
        ("tiny", "pogo-run-files", "/tiny.txt", lib.TINY_BODY, "14-byte static file through file_server"),
    )

    def estimate(a):
        return len(workloads) * (a.warmup + a.duration + 1 + len(LOADS) * 3 * a.rounds * (a.latency_duration + 1.5))

    def rate_client(runner):
        path = os.path.join(os.path.dirname(runner.ctx.pogo), "bench", "pogo_rate_client")
        if not os.path.exists(path):
            raise RuntimeError(f"{path} not found (cmake --build BUILD --target pogo_rate_client; make bench builds it)")
        return path

    def fixed_rate(client, url, rate):
        p = subprocess.run([client, url, str(int(rate)), str(args.latency_duration), str(args.latency_connections)],
                           capture_output=True, text=True, timeout=args.latency_duration + 30)
        if not p.stdout.strip():
            raise RuntimeError(f"pogo_rate_client failed ({p.returncode}): {p.stderr.strip()[-300:]}")
        r = json.loads(p.stdout)
        if r["errors"] or r["non_2xx"]:
            r["warning"] = f"{r['errors']} errors, {r['non_2xx']} non-2xx"
        return r

    def measure(runner, section):
        client = rate_client(runner)
        base = {}
        for key in ("pogo-run", "pogo-run-files", "nginx+fpm"):
            peer, url = runner.peer(section, key)
            if peer is None:
                raise RuntimeError(f"{key} did not start: {url}")
            base[key] = url
        # The machine's own floor at the same rates: the smallest HTTP server (no sleepers, one
        # thread per connection, a fixed answer).
        with lib.http_floor(runner.ctx, 0, 0) as floor_url:
            measure_all(runner, client, base, floor_url)

    def measure_all(runner, client, base, floor_url):
        table = []
        for name, pogo_key, path, expect, what in workloads:
            for key in (pogo_key, "nginx+fpm"):
                status, body = lib.http_get(base[key] + path, timeout=30)
                if status != 200 or (expect is not None and body != expect):
                    raise RuntimeError(f"{key}{path}: status {status}, body {body[:80]!r}")
            # What the baseline sustains here, under the same wrk the classic section uses.
            lib.log(f"latency/{name}: nginx+fpm's saturated rate (wrk -c{args.latency_connections})")
            lib.run_wrk(base["nginx+fpm"] + path, args, args.warmup, connections=args.latency_connections)
            w, _ = lib.run_wrk(base["nginx+fpm"] + path, args, args.duration, connections=args.latency_connections)
            for load in LOADS:
                rate = w["rps"] * load
                row = {"workload": name, "what": what, "load": load, "rate": rate, "saturated": w["rps"]}
                rounds = {"pogo": [], "nginx": [], "floor": []}
                urls = {"pogo": base[pogo_key] + path, "nginx": base["nginx+fpm"] + path, "floor": floor_url + path}
                for i in range(args.rounds):  # alternate the peers; keep each one's median round (by p99)
                    for label, key in (("pogo", pogo_key), ("nginx", "nginx+fpm"), ("floor", "floor")):
                        lib.log(f"latency/{name}: {key} at {rate:,.0f} req/s ({load:.0%} of nginx's "
                                f"{w['rps']:,.0f}), round {i + 1}/{args.rounds}")
                        try:
                            rounds[label].append(fixed_rate(client, urls[label], rate))
                        except Exception as e:
                            runner.errors.append(f"latency {name} {key}: {e}")
                for label, got in rounds.items():
                    got.sort(key=lambda r: r["p99_ms"])
                    row[label] = got[(len(got) - 1) // 2] if got else {"error": "no round measured"}
                    row[label + "_p99_rounds"] = [r["p99_ms"] for r in got]
                table.append(row)
                runner.results.append({"section": "latency", "comparison": f"{name}-{int(load * 100)}",
                                       "peer": "both", "custom": True, **row})
        report(runner, table)

    def report(runner, table):
        f = lambda r, k: f"{r[k]:.2f}" if isinstance(r.get(k), (int, float)) else "-"  # noqa: E731
        lines = [f"{'workload':<8} {'load':>5} {'req/s':>7} | {'pogo p50':>8} {'p99':>6} {'p99.9':>6} | "
                 f"{'nginx p50':>9} {'p99':>6} {'p99.9':>6} | {'p99 pogo/nginx':>14} | {'floor p50':>9} {'p99':>6}"]
        worst = None
        for r in table:
            p, n = r["pogo"], r["nginx"]
            ratio = p.get("p99_ms") / n["p99_ms"] if p.get("p99_ms") and n.get("p99_ms") else None
            if ratio is not None and (worst is None or ratio > worst[0]):
                worst = (ratio, r)
            lines.append(f"{r['workload']:<8} {r['load']:>5.0%} {r['rate']:>7,.0f} | {f(p, 'p50_ms'):>8} "
                         f"{f(p, 'p99_ms'):>6} {f(p, 'p999_ms'):>6} | {f(n, 'p50_ms'):>9} {f(n, 'p99_ms'):>6} "
                         f"{f(n, 'p999_ms'):>6} | {(f'{ratio:.2f}x' if ratio else '-'):>14} | "
                         f"{f(r['floor'], 'p50_ms'):>9} {f(r['floor'], 'p99_ms'):>6}")
            for label in ("pogo", "nginx", "floor"):
                for k in ("warning", "error"):
                    if r[label].get(k):
                        lines.append(f"    {label} {k}: {r[label][k]}")
        lines.append(f"open-loop client (bench/rate_client.cpp), {args.latency_connections} connections, "
                     f"{args.latency_duration:g} s per round after 1 s of warm-up, median of {args.rounds} rounds by p99 "
                     f"(all rounds' p99 in the JSON); latency from each request's due time; "
                     "load: fraction of nginx (+ php-fpm)'s saturated req/s under wrk in this run; floor: the smallest "
                     "HTTP server at the same rate (pogo_fanout_floor --http 0 0: a thread per connection, a fixed "
                     "answer), what the machine alone costs")
        runner.reports.append(("Latency at a fixed rate: pogo run vs nginx (+ php-fpm), neither saturated", lines))
        entry = {"section": "latency", "comparison": "p99", "connections": None, "goal": 1.0,
                 "what": "p99 at a fixed rate (50% and 80% of nginx's saturation), classic workloads: pogo / nginx "
                         "(+ php-fpm), worst case", "goal_text": "<= 1x in every case", "ratio": None, "met": None}
        if worst and all(r["pogo"].get("p99_ms") and r["nginx"].get("p99_ms") for r in table):
            ratio, r = worst
            entry.update(ratio=ratio, met=ratio <= 1.0,
                         measured_text=f"{ratio:.2f}x ({r['workload']} at {r['load']:.0%}: "
                                       f"{r['pogo']['p99_ms']:.2f} / {r['nginx']['p99_ms']:.2f} ms; {len(table)} cases)")
        runner.ratios.append(entry)

    def latency_section():
        return lib.Section(name="latency",
                           peers={"pogo-run": lambda: lib.PogoRunPeer(),
                                  "pogo-run-files": lambda: lib.PogoRunPeer("pogo-run-files", file_server=True),
                                  "nginx+fpm": lambda: lib.NginxFpmPeer()},
                           comparisons=[], custom=measure, estimate=estimate)

    return [latency_section]
