"""bench/tls_bench.py — bench/run's `tls` section: HTTPS and HTTP/2, Pogo against nginx + php-fpm.

One ECDSA P-256 certificate for 127.0.0.1 and localhost, made with openssl in the bench's temporary
directory, is served by both sides:
  pogo-tls          `pogo run --config Caddyfile`, site `https://127.0.0.1:PORT { tls cert key; root;
                    php_server }`, num_threads = 2 x CPUs, the bench document root (hello.php,
                    static.txt); global options admin off, auto_https disable_redirects,
                    skip_install_trust, storage file_system in the temporary directory (and
                    XDG_DATA_HOME/XDG_CONFIG_HOME there): nothing outside it is touched.
  pogo-worker-tls   the same with `frankenphp { worker hello-worker.php 2xCPUs }`, the Caddyfile form
                    of the worker section's `php-server --worker FILE,N`, serving bench/php/public.
  nginx+fpm-tls     the classic section's nginx + php-fpm with `listen ... ssl http2` (nginx 1.22;
                    `http2 on` from 1.25.1), TLS 1.2 and 1.3, session tickets and a session cache.
Neither side is tuned beyond that: OpenSSL's defaults pick the TLS 1.3 suite and X25519.

Comparisons (requests/s, rounds alternating the peers as in the other sections; every row also
gives the server's CPU time per request: utime + stime of its process groups, from /proc, over the
same rounds, nginx's and php-fpm's together, a figure the machine's other load moves much less):
  h1-hello, h1-worker, h1-static   wrk over HTTPS (HTTP/1.1, keep-alive): PHP hello world classic,
                                   worker mode (against php-fpm's classic hello, as in the worker
                                   section) and the 4 KiB static file.
  h2-hello, h2-worker, h2-static   the same over HTTP/2 with h2load -t THREADS -c CONNECTIONS
                                   -m H2_STREAMS -D DURATION (ALPN h2; a run that does not negotiate
                                   h2 is reported as not measured).
  handshake                        full handshakes per second: HANDSHAKE_CLIENTS parallel
                                   `openssl s_time -connect 127.0.0.1:PORT -new -time DURATION`
                                   processes. -new makes every connection a new session (no ticket,
                                   no session id: nginx's $ssl_session_reused is "." for each of
                                   them, "r" with -reuse), so each one is a full TLS 1.3 handshake:
                                   ECDHE (X25519 key share) and an ECDSA P-256 CertificateVerify
                                   signed by the server. No HTTP request is sent; the client closes
                                   after its Finished. The rate is the sum over the processes of
                                   connections / wall time. On a small machine the clients (which verify the ECDSA
                                   signature, dearer than making it) may take most of the CPU, so
                                   the server's CPU time per handshake is compared too, as the
                                   handshake capacity (nginx's CPU per handshake / Pogo's).
Goals (issue 9): static over TLS and over h2 >= 1.0x nginx; full handshakes/s >= 0.9x nginx; the
PHP ratios over TLS (h1 and h2) within 10% of the plaintext ratios of the same run (classic/hello and
worker/worker: if those sections were not selected, their two comparisons are run here). After the
measurements, `openssl s_client -alpn h2,http/1.1` records what each server negotiates (protocol,
suite, signature, key exchange, ALPN) and the warnings and errors in Pogo's logs are counted.
"""

import os
import re
import statistics
import subprocess
import threading
import time

import jobs_bench

CERT_DAYS = 2


def add_arguments(ap):
    g = ap.add_argument_group("tls section")
    g.add_argument("--h2-streams", type=int, default=10, help="h2load concurrent streams per connection (-m, default 10)")
    g.add_argument("--handshake-clients", type=int, default=0,
                   help="parallel `openssl s_time -new` processes (default: 2 x CPUs)")


def make_certificate(ctx):
    """(cert, key): one self-signed ECDSA P-256 certificate for 127.0.0.1 and localhost, made once."""
    d = os.path.join(ctx.tmp, "tls")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    if not os.path.exists(cert):
        os.makedirs(d, exist_ok=True)
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", key, "-out", cert, "-days", str(CERT_DAYS), "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"openssl req failed: {p.stderr.strip()[-300:]}")
        os.chmod(key, 0o644)  # nginx workers may run as another user
    return cert, key


def sections(lib, args):
    class PogoTlsPeer(lib.PogoPeer):
        """`pogo run` serving the bench certificate on https://127.0.0.1:PORT."""

        def __init__(self, worker):
            super().__init__(name="pogo-worker-tls" if worker else "pogo-tls")
            self.worker = worker
            self.cafile = None

        def start(self, ctx):
            cert, key = make_certificate(ctx)
            self.cafile = cert
            d = os.path.join(ctx.tmp, self.name)
            os.makedirs(os.path.join(d, "data"), exist_ok=True)
            if self.worker:
                root = os.path.join(jobs_bench.make_app(ctx), "public")
                php = f"worker {root}/hello-worker.php {ctx.php_threads}"
            else:
                root = ctx.www
                php = f"num_threads {ctx.php_threads}"
            port = lib.free_port()
            caddyfile = os.path.join(d, "Caddyfile")
            with open(caddyfile, "w") as f:
                f.write(f"""{{
	admin off
	auto_https disable_redirects
	skip_install_trust
	http_port {lib.free_port()}
	https_port {port}
	storage file_system {{
		root {d}/data
	}}
	frankenphp {{
		{php}
	}}
}}

https://127.0.0.1:{port} {{
	tls {cert} {key}
	root * {root}
	php_server
}}
""")
            env = dict(os.environ, XDG_DATA_HOME=os.path.join(d, "data"), XDG_CONFIG_HOME=os.path.join(d, "config"))
            return self.launch(ctx, [ctx.pogo, "run", "--config", caddyfile], env=env, scheme="https")

    class NginxFpmTlsPeer(lib.NginxFpmPeer):
        def __init__(self):
            super().__init__(name="nginx+fpm-tls")

        def start(self, ctx):
            self.tls = make_certificate(ctx)
            self.cafile = self.tls[0]
            return super().start(ctx)

    peers = {"pogo-tls": lambda: PogoTlsPeer(False), "pogo-worker-tls": lambda: PogoTlsPeer(True),
             "nginx+fpm-tls": lambda: NginxFpmTlsPeer()}
    N = "nginx+fpm-tls"

    def comparisons():
        out = []
        for proto, client, how in (("h1", "wrk", "HTTPS/1.1 (wrk)"), ("h2", "h2load", "HTTP/2 (h2load)")):
            out += [
                lib.Comparison(f"{proto}-hello", "pogo-tls", N, "/hello.php", lib.HELLO_BODY, None,
                               f"PHP hello world over {how}: pogo run vs nginx + php-fpm", client=client, p99=client == "wrk"),
                lib.Comparison(f"{proto}-worker", "pogo-worker-tls", N, "/hello-worker.php", lib.HELLO_BODY, None,
                               f"hello world over {how}: pogo worker mode vs nginx + php-fpm (classic)",
                               baseline_path="/hello.php", baseline_expect=lib.HELLO_BODY, client=client, p99=client == "wrk"),
                lib.Comparison(f"{proto}-static", "pogo-tls", N, "/static.txt", None, 1.0,
                               f"4 KiB static file over {how}: pogo vs nginx", client=client, p99=client == "wrk"),
            ]
        return out

    def tls_section():
        # At the largest --connections count only: these are issue 9's goals, measured as then.
        return lib.Section(name="tls", peers=peers, comparisons=comparisons(), custom=measure_tls, server_cpu=True,
                           connections=[lib.default_connections(args)],
                           estimate=lambda a: 2 * (a.warmup + a.rounds * a.duration) + 10)

    # ---- the custom part: negotiated parameters, handshakes, TLS vs plaintext, Pogo's logs ----

    def measure_tls(runner, section):
        lines = negotiated(runner, section)
        measure_handshakes(runner, section, lines)
        tls_vs_plaintext(runner)
        lines += pogo_log_findings(runner)
        runner.reports.append(("TLS section: what was negotiated, and Pogo's logs", lines))

    def negotiated(runner, section):
        lines = []
        for key in ("pogo-tls", N):
            peer, base = runner.peer(section, key)
            if peer is None:
                continue
            port = base.rsplit(":", 1)[1]
            p = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-alpn", "h2,http/1.1"],
                               input=b"", capture_output=True, timeout=30)
            text = (p.stdout + p.stderr).decode(errors="replace")  # stdout may hold the server's first h2 frames
            got = {}
            for label, pattern in (("", r"^New, (\S+), Cipher is (\S+)"), ("signature", r"^Peer signature type: (.+)"),
                                   ("key exchange", r"^Server Temp Key: (.+)"), ("ALPN", r"^ALPN protocol: (.+)")):
                m = re.search(pattern, text, re.M)
                got[label] = " ".join(m.groups()).strip() if m else "-"
            lines.append(f"{key:<16} " + ", ".join(f"{k} {v}".strip() for k, v in got.items()))
        return lines

    def s_time_round(port, clients, seconds):
        """(handshakes/s summed over the processes, total handshakes, error or None)."""
        results = [None] * clients

        def one(i):
            t = time.monotonic()
            p = subprocess.run(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(seconds)],
                               capture_output=True, text=True, timeout=seconds + 60)
            results[i] = (p, time.monotonic() - t)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        rate, total, error = 0.0, 0, None
        for p, wall in results:
            m = re.search(r"^(\d+) connections in [\d.]+s;", p.stdout, re.M)
            if p.returncode != 0 or not m or int(m.group(1)) == 0:
                error = f"openssl s_time failed ({p.returncode}): {(p.stdout + p.stderr).strip()[-200:]!r}"
                continue
            total += int(m.group(1))
            rate += int(m.group(1)) / wall
        return rate, total, error

    def measure_handshakes(runner, section, lines):
        a = runner.args
        clients = a.handshake_clients or 2 * runner.ctx.cpus
        keys = ("pogo-tls", N)
        rows, rounds, ports = {}, {k: [] for k in keys}, {}
        for key in keys:
            peer, base = runner.peer(section, key)
            rows[key] = {"section": "tls", "comparison": "handshake", "peer": key, "p50_ms": None, "p99_ms": None}
            if peer is None:
                rows[key]["error"] = f"did not start: {base}"
                continue
            ports[key] = base.rsplit(":", 1)[1]
            lib.log(f"tls/handshake: warm up {key}")
            _, _, error = s_time_round(ports[key], clients, a.warmup)
            if error:
                rows[key]["error"] = error
        for i in range(a.rounds):
            for key in keys:
                if key not in ports or "error" in rows[key]:
                    continue
                peer = runner.peers[key][0]
                lib.log(f"tls/handshake: {key}, {clients} x openssl s_time -new (round {i + 1}/{a.rounds})")
                cpu = lib.process_group_cpu(peer.cpu_pgids())
                rate, total, error = s_time_round(ports[key], clients, a.duration)
                cpu = lib.process_group_cpu(peer.cpu_pgids()) - cpu
                if error:
                    rows[key]["error"] = error
                    continue
                rounds[key].append({"rps": rate, "requests": total, "server_cpu_us": cpu * 1e6 / total if total else None})
        for key in keys:
            if rounds[key] and "error" not in rows[key]:
                ordered = sorted(rounds[key], key=lambda r: r["rps"])
                rows[key].update(ordered[len(ordered) // 2])
                rows[key]["rounds_rps"] = [r["rps"] for r in rounds[key]]
                rows[key]["server_cpu_us"] = statistics.median(r["server_cpu_us"] for r in rounds[key])
                rows[key]["note"] = (f"server CPU {rows[key]['server_cpu_us']:.0f} us/handshake; "
                                     f"{clients} x openssl s_time -new")
            runner.results.append(rows[key])
        s, b = rows["pogo-tls"], rows[N]
        ok = "error" not in s and "error" not in b and s.get("rps") and b.get("rps")
        ratio = s["rps"] / b["rps"] if ok else None
        runner.ratios.append({"section": "tls", "comparison": "handshake", "subject": "pogo-tls", "baseline": N,
                              "what": "full TLS 1.3 handshakes/s (X25519, ECDSA P-256), openssl s_time -new",
                              "ratio": ratio, "goal": 0.9, "met": ratio >= 0.9 if ratio is not None else None})
        sc, bc = s.get("server_cpu_us"), b.get("server_cpu_us")
        capacity = bc / sc if ok and sc and bc else None
        runner.ratios.append({"section": "tls", "comparison": "handshake", "subject": "pogo-tls", "baseline": N,
                              "what": "handshake capacity: nginx's server CPU per handshake / pogo's "
                                      "(what the rate would be were the clients free)",
                              "ratio": capacity, "goal": 0.9, "met": capacity >= 0.9 if capacity is not None else None})

    def tls_vs_plaintext(runner):
        """The PHP ratios over TLS against the plaintext ones of the same run (measured here when the
        classic and worker sections were not selected)."""
        c = lib.default_connections(runner.args)

        def ratio(section, comparison):
            return next((q for q in runner.ratios if q["section"] == section and q["comparison"] == comparison
                         and q.get("connections") == c), None)

        for name, comparison in (("classic", "hello"), ("worker", "worker")):
            if ratio(name, comparison) is None:
                section = next(s for s in (make() for make in lib.SECTIONS) if s.name == name)
                comp = next(c for c in section.comparisons if c.name == comparison)
                lib.log(f"tls: measuring plaintext {name}/{comparison} for the TLS vs plaintext comparison")
                runner.measure(section, comp, c)
        for tls_name, (plain_section, plain_name), mode in (
                ("h1-hello", ("classic", "hello"), "classic"), ("h1-worker", ("worker", "worker"), "worker"),
                ("h2-hello", ("classic", "hello"), "classic"), ("h2-worker", ("worker", "worker"), "worker")):
            t, p = ratio("tls", tls_name), ratio(plain_section, plain_name)
            tr, pr = t and t["ratio"], p and p["ratio"]
            rel = tr / pr if tr and pr else None
            runner.ratios.append({
                "section": "tls", "comparison": tls_name, "subject": "tls ratio", "baseline": "plaintext ratio",
                "what": f"PHP {mode} ratio pogo/nginx+fpm over {'HTTPS/1.1' if tls_name.startswith('h1') else 'HTTP/2'}"
                        f" vs plaintext ({plain_section}/{plain_name})",
                "ratio": rel, "goal": 0.9,
                "goal_text": (f"{tr:.2f}x vs {pr:.2f}x" if rel else "n/a") + "; goal within 10%: >= 0.9",
                "met": rel >= 0.9 if rel is not None else None})

    def pogo_log_findings(runner):
        lines = []
        for key in ("pogo-tls", "pogo-worker-tls"):
            path = os.path.join(runner.ctx.tmp, f"{key}.log")
            if not os.path.exists(path):
                continue
            levels, samples = {}, {}
            with open(path, errors="replace") as f:
                for line in f:
                    # "TIME<TAB>LEVEL<TAB>LOGGER<TAB>MESSAGE<TAB>{fields}" (Caddy's console format) or JSON
                    fields = line.rstrip("\n").split("\t")
                    level, msg = (fields[1].lower(), fields[3]) if len(fields) > 3 else ("", "")
                    if not level and (m := re.search(r'"level":"(\w+)".*?"msg":"([^"]*)"', line)):
                        level, msg = m.groups()
                    if level in ("warn", "error", "fatal", "panic"):
                        levels[level] = levels.get(level, 0) + 1
                        samples.setdefault(msg, line.strip().replace("\t", " ")[:300])
            lines.append(f"{key} log: " + (", ".join(f"{n} {lvl}" for lvl, n in levels.items()) or "no warnings or errors"))
            lines += [f"    {s}" for s in list(samples.values())[:5]]
        return lines

    return [tls_section]
