"""bench/jobs_bench.py — bench/run's worker-mode, Pogo job round-trip and fan-out sections.

  worker    `pogo run` with `php_server { worker hello-worker.php N }` vs nginx + php-fpm's classic
            hello world (wrk; goal >= 5x requests/s, p99 no worse), and vs `pogo php-server --worker
            hello-worker.php,N` (goal: within 5%).
  jobs      a no-op job's dispatch + await round trip, timed in PHP with hrtime over 10,000 round
            trips in one request to a `pogo run` server (goal: median <= 20 us).
  fanout    one request dispatching N jobs of T ms (N = 1, 4, 8, 16; T = 10, 50) on `pogo run`,
            against the way PHP-FPM applications do it today: N curl_multi sub-requests from a
            php-fpm page to a sleeping endpoint on the same nginx + php-fpm. At concurrency 1
            (sequential requests over one keep-alive connection: p50, p99) and under load (wrk with
            a few connections: p99, requests/s). Goals (issue 12), for 8 x 10 ms: p50 <= 10.5 ms
            and p99 <= 11 ms, at concurrency 1 and under wrk -c4; p99 under load no worse than
            php-fpm's. Beside them two floors (bench/fanout_floor.cpp): N plain threads woken one by
            one, and the same behind the smallest HTTP/1.1 server, measured by the same clients as
            the peers (what any server pays here before it does any work of its own).
            Table on the terminal, plot in bench/out/fanout.svg (gnuplot).

Sizing, so that neither side queues for want of workers: Pogo's `fanout` pool has
connections x 16 threads; php-fpm has connections x (16 + 1) children, since every parent page
holds a child while its N sub-requests each need one more.

bench/run imports this module and passes itself as `lib` (peers, processes, wrk, logging).
"""

import json
import os
import shutil
import statistics
import subprocess
import time
import http.client
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FANOUT_N = (1, 4, 8, 16)
FANOUT_T = (10, 50)


def add_arguments(ap):
    g = ap.add_argument_group("jobs and fan-out sections")
    g.add_argument("--quick", action="store_true",
                   help="short run: 2 s measurements, 1 round, -c64 only, fewer requests (about 8 minutes in all)")
    g.add_argument("--roundtrips", type=int, default=10000, help="no-op job round trips timed in PHP (default 10000)")
    g.add_argument("--fanout-requests", type=int, default=40,
                   help="sequential requests per fan-out case at concurrency 1 (default 40)")
    g.add_argument("--fanout-connections", type=int, default=4,
                   help="wrk connections for the fan-out under load (default 4)")
    g.add_argument("--fanout-duration", type=int, default=4, help="seconds of wrk per fan-out case under load (default 4)")


def apply_quick(args):
    if args.quick:
        args.duration, args.warmup, args.rounds = min(args.duration, 2), 1, 1
        args.connections = args.connections[-1:]
        args.fanout_requests, args.fanout_duration = min(args.fanout_requests, 15), 2


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def make_app(ctx):
    """ctx.tmp/app: bench/php plus the repository's default worker copied to public/, as users do."""
    app = os.path.join(ctx.tmp, "app")
    if not os.path.isdir(app):
        shutil.copytree(os.path.join(REPO, "bench", "php"), app)
        shutil.copy(os.path.join(REPO, "php", "worker", "pogo-worker.php"), os.path.join(app, "public"))
        shutil.copy(os.path.join(ctx.www, "static.txt"), os.path.join(app, "public"))  # nginx's readiness probe
        os.chmod(app, 0o755)
    return app


def fanout_threads(args):
    return args.fanout_connections * max(FANOUT_N)


def sections(lib, args):
    class PogoPoolsPeer(lib.PogoPeer):
        """`pogo run` with a Caddyfile: pools `default` (2 threads) and `fanout` (see the module doc)."""

        def __init__(self, threads):
            super().__init__(name="pogo-pools")
            self.threads = threads

        def start(self, ctx):
            app = make_app(ctx)
            caddyfile = os.path.join(app, "Caddyfile")
            with open(caddyfile, "w") as f:
                f.write(f"""{{
	auto_https off
	admin off
	frankenphp {{
		num_threads {ctx.php_threads}
	}}
	pogo {{
		pool default {{
			worker public/pogo-worker.php
			num_threads 2
			max_wait 30s
		}}
		pool fanout {{
			worker public/pogo-worker.php
			num_threads {self.threads}
			max_wait 30s
		}}
	}}
}}

http://127.0.0.1:{lib.free_port()} {{
	root * {app}/public
	php_server
}}
""")
            env = dict(os.environ, POGO_PHP_SRC=os.path.join(REPO, "php", "src"))
            return self.launch(ctx, [ctx.pogo, "run", "--config", caddyfile], env=env)

    def app_public(ctx):
        return os.path.join(make_app(ctx), "public")

    def worker_file(ctx):
        return os.path.join(app_public(ctx), "hello-worker.php")

    def worker_section():
        return lib.Section(
            name="worker",
            peers={"pogo-run-worker": lambda: lib.PogoRunPeer("pogo-run-worker", root=app_public, worker=worker_file),
                   "pogo-php-server-worker": lambda: WorkerPeer(), "nginx+fpm": lambda: lib.NginxFpmPeer()},
            comparisons=[
                lib.Comparison("worker", "pogo-run-worker", "nginx+fpm", "/hello-worker.php", lib.HELLO_BODY, 5.0,
                               "hello world, worker mode: pogo run (php_server { worker }) vs nginx + php-fpm (classic)",
                               baseline_path="/hello.php", baseline_expect=lib.HELLO_BODY),
                lib.Comparison("worker-run-vs-php-server", "pogo-run-worker", "pogo-php-server-worker",
                               "/hello-worker.php", lib.HELLO_BODY, 0.95,
                               "worker mode: pogo run (php_server { worker }) vs pogo php-server --worker, within 5%",
                               p99=False),
            ],
        )

    class WorkerPeer(lib.PogoPeer):
        def __init__(self):
            super().__init__(name="pogo-php-server-worker")

        def start(self, ctx):
            public = app_public(ctx)
            self.root = public
            self.extra_args = ["--worker", f"{public}/hello-worker.php,{ctx.php_threads}"]
            return super().start(ctx)

    class FanoutFpmPeer(lib.NginxFpmPeer):
        """nginx + php-fpm serving bench/php, with a child for every parent page and sub-request."""

        def __init__(self):
            super().__init__(name="nginx+fpm-fanout", children=args.fanout_connections * (max(FANOUT_N) + 1))

        def start(self, ctx):
            self.root = os.path.join(make_app(ctx), "public")
            return super().start(ctx)

    def jobs_section():
        return lib.Section(name="jobs", peers={"pogo-pools": lambda: PogoPoolsPeer(fanout_threads(args))},
                           comparisons=[], custom=measure_roundtrip, estimate=lambda a: 5)

    def fanout_estimate(a):
        # Pogo, php-fpm and the HTTP floor each: sequential requests, then wrk.
        per_case = sum(a.fanout_requests * (t + 3) / 1000 + a.fanout_duration + 1 for t in FANOUT_T) * 3 / 2
        return 2 * len(FANOUT_N) * per_case

    def fanout_section():
        return lib.Section(name="fanout",
                           peers={"pogo-pools": lambda: PogoPoolsPeer(fanout_threads(args)),
                                  "nginx+fpm-fanout": lambda: FanoutFpmPeer()},
                           comparisons=[], custom=measure_fanout, estimate=fanout_estimate)

    def measure_roundtrip(runner, section):
        peer, base = runner.peer(section, "pogo-pools")
        if peer is None:
            raise RuntimeError(f"pogo run did not start: {base}")
        n = runner.args.roundtrips
        lib.log(f"jobs: {n} no-op dispatch + await round trips, timed in PHP")
        status, body = lib.http_get(f"{base}/roundtrip.php?n={n}", timeout=120)
        if status != 200:
            raise RuntimeError(f"roundtrip.php: status {status}: {body[:300]!r}")
        r = json.loads(body)
        row = {"section": "jobs", "comparison": "roundtrip", "peer": "pogo-pools", "custom": True, **r}
        runner.results.append(row)
        verdict = "goal met" if r["median_us"] <= 20 else "BELOW GOAL"
        runner.ratios.append({"section": "jobs", "comparison": "roundtrip", "connections": None,
                              "what": "Pogo no-op job round trip (dispatch + await), median",
                              "measured_text": f"{r['median_us']:.1f} us", "ratio": r["median_us"] / 20, "goal": 1.0,
                              "goal_text": "<= 20 us", "met": r["median_us"] <= 20})
        runner.reports.append((f"Pogo no-op job round trip (dispatch + await, hrtime in PHP, {r['n']} round trips)", [
            f"median {r['median_us']:.1f} us   p99 {r['p99_us']:.1f} us   mean {r['mean_us']:.1f} us   "
            f"min {r['min_us']:.1f} us   (goal: median <= 20 us)  {verdict}"]))

    def sequential_latencies(base, path, count, expect):
        host, port = base.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        ms = []
        try:
            for i in range(count + 2):
                t = time.perf_counter()
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                elapsed = (time.perf_counter() - t) * 1000
                if resp.status != 200 or body != expect:
                    raise RuntimeError(f"{path}: status {resp.status}, body {body[:120]!r}")
                if i >= 2:  # the first two warm the connection and the workers
                    ms.append(elapsed)
        finally:
            conn.close()
        return ms

    def measure_fanout(runner, section):
        peers = {"pogo": ("pogo-pools", "/fanout.php"), "fpm": ("nginx+fpm-fanout", "/fpm-fanout.php")}
        bases = {}
        for label, (key, _) in peers.items():
            peer, base = runner.peer(section, key)
            if peer is None:
                runner.errors.append(f"fanout: {key} did not start: {base}")
            else:
                bases[label] = base
        if not bases:
            raise RuntimeError("no fan-out peer started")
        floor_bin = lib.floor_binary(runner.ctx)
        if not os.path.exists(floor_bin):
            runner.errors.append(f"fanout: {floor_bin} not found (cmake --build BUILD --target pogo_fanout_floor; "
                                 "make bench builds it): no machine floor")
        table = []  # one dict per (N, T)
        for t in FANOUT_T:
            for n in FANOUT_N:
                row = {"n": n, "t": t, "ideal_ms": t, "sequential_ms": n * t}
                if os.path.exists(floor_bin):
                    # What the kernel gives N sleeping threads here, nothing of Pogo: the ideal to read against.
                    out = subprocess.run([floor_bin, str(n), str(t), str(args.fanout_requests)], capture_output=True,
                                         text=True, timeout=60 + n * t * args.fanout_requests / 1000)
                    if out.returncode == 0:
                        row["floor_p50"], row["floor_p99"] = (float(x) for x in out.stdout.split())
                    else:
                        runner.errors.append(f"fanout floor N={n} T={t}: {out.stderr.strip()}")
                    measure_http_floor(runner, row, f"ok {n}".encode())
                expect = f"ok {n}".encode()
                # Alternate the peers per case, so both see the same machine load.
                for label, base in bases.items():
                    path = f"{peers[label][1]}?n={n}&t={t}"
                    try:
                        lib.log(f"fanout: {label} N={n} T={t} ms, {args.fanout_requests} sequential requests")
                        ms = sequential_latencies(base, path, args.fanout_requests, expect)
                        row[f"{label}_c1_p50"] = statistics.median(ms)
                        row[f"{label}_c1_p99"] = percentile(ms, 99)
                        lib.log(f"fanout: {label} N={n} T={t} ms under load (wrk -c{args.fanout_connections})")
                        wrk_args = types.SimpleNamespace(threads=min(2, args.fanout_connections),
                                                         connections=args.fanout_connections)
                        w, _ = lib.run_wrk(base + path, wrk_args, args.fanout_duration)
                        row[f"{label}_load_p50"] = w["p50_ms"]
                        row[f"{label}_load_p99"] = w["p99_ms"]
                        row[f"{label}_load_rps"] = w["rps"]
                        if w["non_2xx"] or w["socket_errors"]:
                            row[f"{label}_warning"] = f"{w['non_2xx']} non-2xx, {w['socket_errors']} socket errors"
                    except Exception as e:
                        row[f"{label}_error"] = str(e)
                        runner.errors.append(f"fanout {label} N={n} T={t}: {e}")
                table.append(row)
                runner.results.append({"section": "fanout", "comparison": f"n{n}-t{t}", "peer": "both", "custom": True, **row})
        report_fanout(runner, table)
        plot_fanout(runner, table)

    def measure_http_floor(runner, row, expect):
        """The same fan-out behind the smallest HTTP server (lib.http_floor), measured by the same
        clients as the peers: what any server on this machine and with these clients pays at least."""
        n, t = row["n"], row["t"]
        try:
            with lib.http_floor(runner.ctx, n, t) as base:
                lib.log(f"fanout: HTTP floor N={n} T={t} ms")
                ms = sequential_latencies(base, "/", args.fanout_requests, expect)
                row["http_floor_c1_p50"], row["http_floor_c1_p99"] = statistics.median(ms), percentile(ms, 99)
                wrk_args = types.SimpleNamespace(threads=min(2, args.fanout_connections),
                                                 connections=args.fanout_connections)
                w, _ = lib.run_wrk(base + "/", wrk_args, args.fanout_duration)
                row["http_floor_load_p50"], row["http_floor_load_p99"] = w["p50_ms"], w["p99_ms"]
        except Exception as e:
            runner.errors.append(f"fanout HTTP floor N={n} T={t}: {e}")

    def report_fanout(runner, table):
        a = runner.args
        lines = [f"{'N x T':<10} {'floor':>6} {'seq.':>6} | {'pogo p50':>8} {'p99':>7} {'fpm p50':>8} {'p99':>7} "
                 f"{'p99 ratio':>9} | {'pogo p99':>8} {'rps':>6} {'fpm p99':>8} {'rps':>6} {'p99 ratio':>9}",
                 f"{'':<10} {'ms':>6} {'ms':>6} | {'concurrency 1 (ms)':^34} {'pogo/fpm':>9} | "
                 f"{'under load: wrk -c' + str(a.fanout_connections) + ' (ms, req/s)':^32} {'pogo/fpm':>9}"]
        f = lambda v, spec=".1f": format(v, spec) if isinstance(v, (int, float)) else "-"  # noqa: E731
        ratio = lambda x, y: f"{x / y:.2f}x" if x and y else "-"  # noqa: E731
        for r in table:
            lines.append(f"{str(r['n']) + ' x ' + str(r['t']):<10} {f(r.get('floor_p50'), '.2f'):>6} {r['sequential_ms']:>6} | "
                         f"{f(r.get('pogo_c1_p50')):>8} {f(r.get('pogo_c1_p99')):>7} {f(r.get('fpm_c1_p50')):>8} "
                         f"{f(r.get('fpm_c1_p99')):>7} {ratio(r.get('pogo_c1_p99'), r.get('fpm_c1_p99')):>9} | "
                         f"{f(r.get('pogo_load_p99')):>8} {f(r.get('pogo_load_rps'), '.0f'):>6} "
                         f"{f(r.get('fpm_load_p99')):>8} {f(r.get('fpm_load_rps'), '.0f'):>6} "
                         f"{ratio(r.get('pogo_load_p99'), r.get('fpm_load_p99')):>9}")
            for label in ("pogo", "fpm"):
                for k in ("warning", "error"):
                    if r.get(f"{label}_{k}"):
                        lines.append(f"    {label} {k}: {r[f'{label}_{k}']}")
        lines.append(f"pogo: `pogo run`, pool fanout = {fanout_threads(a)} threads;  fpm: nginx + php-fpm, pm static "
                     f"{a.fanout_connections * (max(FANOUT_N) + 1)} children, curl_multi sub-requests; "
                     f"{a.fanout_requests} sequential requests per case at concurrency 1")
        lines.append("floor: p50 of N threads of this machine sleeping T ms, woken one by one, nothing of Pogo or PHP "
                     "(bench/fanout_floor.cpp); the ideal is T itself")
        lines.append("p50 under load: " + ", ".join(f"{r['n']} x {r['t']}: pogo {f(r.get('pogo_load_p50'))} / fpm "
                                                    f"{f(r.get('fpm_load_p50'))} ms" for r in table if r["t"] == 10))
        lines.append("")
        lines.append(f"{'N x T':<10} {'floor p50':>9} {'p99':>6} | {'HTTP floor p50':>14} {'p99':>6} {'pogo - HTTP':>11} | "
                     f"{'HTTP floor p50':>14} {'p99':>6} {'pogo - HTTP':>11}")
        lines.append(f"{'':<10} {'threads (ms)':>16} | {'concurrency 1 (ms)':^33} | {'wrk -c' + str(a.fanout_connections) + ' (ms)':^33}")
        minus = lambda x, y: f"{x - y:+.2f}" if x and y else "-"  # noqa: E731
        for r in table:
            lines.append(f"{str(r['n']) + ' x ' + str(r['t']):<10} {f(r.get('floor_p50'), '.2f'):>9} "
                         f"{f(r.get('floor_p99'), '.2f'):>6} | {f(r.get('http_floor_c1_p50'), '.2f'):>14} "
                         f"{f(r.get('http_floor_c1_p99'), '.2f'):>6} "
                         f"{minus(r.get('pogo_c1_p50'), r.get('http_floor_c1_p50')):>11} | "
                         f"{f(r.get('http_floor_load_p50'), '.2f'):>14} {f(r.get('http_floor_load_p99'), '.2f'):>6} "
                         f"{minus(r.get('pogo_load_p50'), r.get('http_floor_load_p50')):>11}")
        lines.append("HTTP floor: the same N sleeping threads behind the smallest HTTP/1.1 server (fanout_floor --http, "
                     "one thread per connection), measured by the same clients as pogo; pogo - HTTP: p50 difference, "
                     "what Pogo and PHP add")
        runner.reports.append(("Fan-out latency: one request dispatching N jobs of T ms", lines))
        # Issue 12's goals: 8 jobs of 10 ms, at concurrency 1 and under wrk -c4.
        case = next((r for r in table if r["n"] == 8 and r["t"] == 10), {})
        for key, where in (("c1", "concurrency 1"), ("load", f"wrk -c{a.fanout_connections}")):
            for pct, limit in (("p50", 10.5), ("p99", 11.0)):
                v = case.get(f"pogo_{key}_{pct}")
                floors = [f"{label} {case[k]:.2f}" for label, k in (("threads", f"floor_{pct}"),
                                                                    ("HTTP", f"http_floor_{key}_{pct}")) if case.get(k)]
                runner.ratios.append({"section": "fanout", "comparison": f"8x10-{key}-{pct}", "connections": None,
                                      "what": f"fan-out 8 x 10 ms, {where}: {pct}",
                                      "measured_text": (f"{v:.2f} ms" + (f" (floor: {', '.join(floors)})"
                                                                          if floors else "")) if v else None,
                                      "ratio": v / limit if v else None,
                                      "goal": 1.0, "goal_text": f"<= {limit} ms", "met": (v <= limit) if v else None})
        # p99 at saturation for this section: under load, against php-fpm's curl_multi, every case.
        pairs = [(r["pogo_load_p99"] / r["fpm_load_p99"], r) for r in table
                 if r.get("pogo_load_p99") and r.get("fpm_load_p99")]
        entry = {"section": "fanout", "comparison": "p99", "connections": None, "goal": 1.0,
                 "what": f"p99 at saturation, fanout section (wrk -c{a.fanout_connections}): pogo / php-fpm "
                         f"curl_multi, worst case", "goal_text": "<= 1x in every case", "ratio": None, "met": None}
        if pairs and len(pairs) == len(table):
            worst, r = max(pairs, key=lambda x: x[0])
            entry.update(ratio=worst, met=worst <= 1.0,
                         measured_text=f"{worst:.2f}x ({r['n']} x {r['t']} ms: {r['pogo_load_p99']:.1f} / "
                                       f"{r['fpm_load_p99']:.1f} ms; {len(pairs)} cases)")
        runner.ratios.append(entry)

    def plot_fanout(runner, table):
        out = runner.args.out
        os.makedirs(out, exist_ok=True)
        data = os.path.join(out, "fanout.dat")
        with open(data, "w") as f:
            f.write("# N T ideal sequential pogo_c1_p50 pogo_c1_p99 fpm_c1_p50 fpm_c1_p99 pogo_load_p99 fpm_load_p99 http_floor_c1_p99\n")
            for t in FANOUT_T:
                for r in (r for r in table if r["t"] == t):
                    vals = [r.get(k) for k in ("pogo_c1_p50", "pogo_c1_p99", "fpm_c1_p50", "fpm_c1_p99",
                                                "pogo_load_p99", "fpm_load_p99", "http_floor_c1_p99")]
                    f.write(" ".join(str(v) for v in [r["n"], t, r["ideal_ms"], r["sequential_ms"]])
                            + " " + " ".join("NaN" if v is None else f"{v:.3f}" for v in vals) + "\n")
                f.write("\n\n")  # one gnuplot data block per T
        gp = shutil.which("gnuplot")
        if not gp:
            runner.reports.append(("Fan-out plot", [f"gnuplot not installed; data in {data}"]))
            return
        panels = []
        for i, t in enumerate(FANOUT_T):
            panels.append(f"""
set title "T = {t} ms per job"
plot '{data}' index {i} using 1:4 with linespoints dt 3 lc rgb '#999999' title 'sequential N x T', \\
     '' index {i} using 1:3 with lines dt 2 lc rgb '#333333' title 'ideal T', \\
     '' index {i} using 1:11 with linespoints dt 2 pt 1 lc rgb '#2ca02c' title 'HTTP floor p99, concurrency 1', \\
     '' index {i} using 1:6 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'pogo p99, concurrency 1', \\
     '' index {i} using 1:9 with linespoints dt 4 pt 6 lc rgb '#1f77b4' title 'pogo p99, wrk -c{runner.args.fanout_connections}', \\
     '' index {i} using 1:8 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'php-fpm curl_multi p99, concurrency 1', \\
     '' index {i} using 1:10 with linespoints dt 4 pt 4 lc rgb '#d62728' title 'php-fpm curl_multi p99, wrk -c{runner.args.fanout_connections}'
""")
        body = f"""set multiplot layout 1,{len(FANOUT_T)} title "Fan-out: one request dispatching N jobs of T ms (latency, ms, log scale)"
set logscale y
set xlabel 'N jobs per request'
set ylabel 'ms'
set xtics ({', '.join(str(n) for n in FANOUT_N)})
set key top left Left reverse font ',9'
set yrange [5:2000]
set termoption noenhanced
set grid
{''.join(panels)}
unset multiplot
"""
        written = []
        for terminal, name in (("svg size 1100,480 dynamic font 'sans,11'", "fanout.svg"),
                               ("pngcairo size 1100,480 font 'sans,10'", "fanout.png")):
            path = os.path.join(out, name)
            p = subprocess.run([gp], input=f"set terminal {terminal}\nset output '{path}'\n{body}",
                               capture_output=True, text=True, timeout=60)
            written.append(path if p.returncode == 0 else f"{name}: gnuplot failed: {p.stderr.strip()[-300:]}")
        runner.reports.append(("Fan-out plot", written + [data]))

    return [worker_section, jobs_section, fanout_section]
