"""bench/proxy_bench.py — bench/run's `proxy` section: `reverse_proxy` against nginx's proxy_pass (issue 14).

Both proxies forward to ONE upstream, started once for the section: Debian's nginx with
worker_processes 1, access_log off, keep-alive on (keepalive_requests 100000), serving two static
files from the bench's temporary directory, 1k.txt (1 KiB) and 64k.txt (64 KiB), on 127.0.0.1.
  pogo-proxy    `pogo run --config Caddyfile`: global options admin off, auto_https off and
                default_bind 127.0.0.1 (loopback only), and the site `:PORT { reverse_proxy
                127.0.0.1:UPSTREAM }`, nothing else (Pogo's defaults: a keep-alive pool per loop).
  nginx-proxy   nginx, worker_processes auto, access_log off, `location / { proxy_pass
                http://bench_upstream; }` with nginx's advice for keep-alive upstreams: an `upstream
                bench_upstream { server 127.0.0.1:UPSTREAM; keepalive 64; }` block,
                proxy_http_version 1.1 and proxy_set_header Connection "". Buffering and the rest
                are nginx's defaults.
Each file is checked once through each proxy (the exact bytes), then measured with wrk at each
--connections count, rounds alternating the two proxies as in the other sections. Every row also
gives the proxy's own CPU time per request (its process group; the upstream is apart, and the
same for both). Goals (issue 14): requests/s >= 1.0x nginx, and p99 no worse than nginx's (the
section's p99 line, as in the other sections). Afterwards the warnings and errors in the three
servers' logs are counted (a proxy that fails quietly, or nginx buffering the 64 KiB responses to
temporary files, shows there).
"""

import os
import re
import subprocess


def body(size, what):
    """SIZE bytes of text ending in a newline, the same on every run."""
    line = f"Pogo proxy benchmark, {what} upstream file. ".encode()
    return (line * (size // len(line) + 1))[:size - 1] + b"\n"


FILES = {"1k": body(1024, "1 KiB"), "64k": body(64 * 1024, "64 KiB")}  # served as /NAME.txt


def nginx_conf(d, workers, server, http=""):
    """An nginx.conf whose pid, logs and temporary files are all under D (run as root: user root), with
    one server block and HTTP, more blocks for http{}."""
    return f"""daemon off;
master_process on;
worker_processes {workers};
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
{"user root root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    types {{ text/plain txt; }}
    default_type application/octet-stream;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
{http}
    server {{
{server}
    }}
}}
"""


def sections(lib, args):
    state = {}  # the upstream, shared by both proxies: started on first use, stopped with every process on exit

    def start_nginx(ctx, name, workers, server, http=""):
        """Spawns nginx with this server block under ctx.tmp/NAME; (process, directory)."""
        nginx = lib.NginxFpmPeer.find(["nginx", "/usr/sbin/nginx"])
        if not nginx:
            raise RuntimeError("nginx not installed (scripts/setup --bench installs it)")
        d = os.path.join(ctx.tmp, name)
        os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(d, workers, server, http))
        proc = ctx.procs.spawn(name, [nginx, "-p", d, "-c", conf, "-e", os.path.join(d, "nginx-error.log")],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "nginx.stderr"), "wb"))
        return proc, d

    def wait_serving(proc, d, base, what):
        path = f"/{next(iter(FILES))}.txt"
        if not lib.poll_until(lambda: lib.http_get(base + path, 1.0)[0] == 200 or proc.poll() is not None) \
                or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start: " + lib.NginxFpmPeer.tail(os.path.join(d, "nginx-error.log"))
                               + lib.NginxFpmPeer.tail(os.path.join(d, "nginx.stderr")))

    def upstream(ctx):
        """The upstream's port (nginx, one worker, the two files), started once."""
        if "port" in state:
            return state["port"]
        www = os.path.join(ctx.tmp, "proxy-www")
        os.makedirs(www, exist_ok=True)
        for name, data in FILES.items():
            with open(os.path.join(www, name + ".txt"), "wb") as f:
                f.write(data)
        port = lib.free_port()
        proc, d = start_nginx(ctx, "proxy-upstream", 1, f"        listen 127.0.0.1:{port};\n        root {www};")
        wait_serving(proc, d, f"http://127.0.0.1:{port}", "the upstream nginx")
        lib.log(f"proxy: upstream nginx (1 worker) is up at 127.0.0.1:{port}")
        state["port"] = port
        return port

    class NginxProxyPeer:
        """nginx proxying every request to the upstream over kept-alive connections."""

        name = "nginx-proxy"

        def __init__(self):
            self.nginx = None

        def start(self, ctx):
            up = upstream(ctx)
            port = lib.free_port()
            server = f"""        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}"""
            http = f"    upstream bench_upstream {{\n        server 127.0.0.1:{up};\n        keepalive 64;\n    }}"
            self.nginx, d = start_nginx(ctx, self.name, "auto", server, http)
            base = f"http://127.0.0.1:{port}"
            wait_serving(self.nginx, d, base, "nginx (proxy)")
            return base

        def cpu_pgids(self):
            return [self.nginx.pid] if self.nginx else []

        def stop(self, ctx):
            if self.nginx:
                ctx.procs.stop(self.nginx)

    class PogoProxyPeer(lib.PogoPeer):
        """`pogo run` with a site that is only `reverse_proxy` to the upstream."""

        def __init__(self):
            super().__init__(name="pogo-proxy")

        def start(self, ctx):
            up = upstream(ctx)
            d = os.path.join(ctx.tmp, self.name)
            os.makedirs(d, exist_ok=True)
            caddyfile = os.path.join(d, "Caddyfile")
            with open(caddyfile, "w") as f:
                f.write(f"{{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}}\n\n"
                        f":{lib.free_port()} {{\n\treverse_proxy 127.0.0.1:{up}\n}}\n")
            return self.launch(ctx, [ctx.pogo, "run", "--config", caddyfile])

    def proxy_section():
        return lib.Section(
            name="proxy", server_cpu=True,
            peers={"pogo-proxy": PogoProxyPeer, "nginx-proxy": NginxProxyPeer},
            comparisons=[
                lib.Comparison(name, "pogo-proxy", "nginx-proxy", f"/{name}.txt", data, 1.0,
                               f"{len(data) // 1024} KiB file, reverse_proxy vs nginx proxy_pass (one nginx upstream)")
                for name, data in FILES.items()],
            custom=log_findings, estimate=lambda a: 3)  # the upstream's start

    def log_findings(runner, section):
        """One line per server: its warnings and errors by level, and the first of each."""
        lines = []
        for name, path in (("pogo-proxy", "pogo-proxy.log"), ("nginx-proxy", "nginx-proxy/nginx-error.log"),
                           ("upstream", "proxy-upstream/nginx-error.log")):
            try:
                with open(os.path.join(runner.ctx.tmp, path), errors="replace") as f:
                    text = f.read()
            except OSError:
                continue  # that server did not start; its row says so
            levels, first = {}, None
            for line in text.splitlines():
                # nginx: "DATE TIME [level] PID#TID: *CONN message"; Pogo: "TIME<TAB>LEVEL<TAB>..." or JSON
                m = (re.search(r"\[(warn|error|crit|alert|emerg)\]", line)
                     or re.match(r"[^\t]*\t(WARN|ERROR|FATAL|PANIC)\t", line, re.I)
                     or re.search(r'"level":"(warn|error|fatal|panic)"', line))
                if m:
                    levels[m.group(1).lower()] = levels.get(m.group(1).lower(), 0) + 1
                    first = first or line.strip().replace("\t", " ")[:200]
            lines.append(f"{name:<12} " + (", ".join(f"{n} {lvl}" for lvl, n in levels.items()) or "no warnings or errors")
                         + (f"; first: {first}" if first else ""))
        runner.reports.append(("Proxy section: warnings and errors in the servers' logs", lines))

    return [proxy_section]
