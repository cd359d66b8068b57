"""bench/wordpress_bench.py — bench/run's `wordpress` section: a real application, `pogo run` against
nginx + php-fpm.

What is served: a copy of Debian's `wordpress` package (/usr/share/wordpress, installed by
scripts/setup) in the bench's temporary directory, with a wp-config.php of its own, on a private
MariaDB: Debian's mariadbd with --no-defaults, its data directory and Unix socket in the temporary
directory, no TCP (--skip-networking); the system's MariaDB service is never touched. WordPress is
installed through its web installer (wp-admin/install.php?step=2) by the first peer up, as in
tests/e2e/wordpress_test.cpp. WP_HOME and WP_SITEURL follow the request's Host, so both peers (two
ports) serve the same site without redirecting to each other.

Peers:
  pogo-run-wp    `pogo run`, `root * COPY` and `php_server`, num_threads 2 x CPUs;
  nginx+fpm-wp   nginx (`try_files $uri $uri/ /index.php?$args`, WordPress's documented rule) and
                 php-fpm, pm static with 2 x CPUs children.
Same PHP settings: one php.ini written for the run (OPcache on, 128 MB, timestamps validated every
2 s, memory_limit 128M, JIT off, errors logged) is PHPRC for Pogo and `php-fpm -c` for php-fpm.
Same extensions: Pogo's are compiled in; php-fpm gets a private PHP_INI_SCAN_DIR holding Debian's
mods-available/*.ini of exactly the extensions Pogo has (scripts/setup --bench installs the Debian
packages of those Debian's php8.2-fpm lacks). Both serve bench-php.php, which prints the loaded
extensions and the OPcache settings; the report says whether they match, and what differs.

Comparisons (wrk at each --connections count, rounds alternating the peers): the front page `/`,
the login page `/wp-login.php`, the REST API `/wp-json/wp/v2/posts`. No goal ratio: requests/s and
p99 are reported (p99 at saturation still counts toward the "p99 <= nginx + php-fpm" goal).
What limits it: one more wrk run per page and per peer at the largest connection count, with the
CPU time it took split by who spent it: Pogo's PHP threads (php-N) against its other threads
(loops, main) from /proc/PID/task/*/stat; php-fpm against nginx; MariaDB in both. The same split
for a hello-world PHP script in the same document root shows what a request costs outside WordPress.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request

WORDPRESS = "/usr/share/wordpress"
DB_NAME, DB_USER, DB_PASSWORD = "wordpress", "wp_bench", "wp-bench-secret"
TITLE = "Pogo Bench WordPress"
ADMIN, ADMIN_PASSWORD = "bench-admin", "Correct-Horse-Battery-42"

PHP_INI = """; bench/run's wordpress section: the php.ini of both peers (Pogo: PHPRC; php-fpm: -c)
memory_limit = 128M
max_execution_time = 30
error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
display_errors = Off
log_errors = On
opcache.enable = 1
opcache.enable_cli = 0
opcache.memory_consumption = 128
opcache.interned_strings_buffer = 8
opcache.max_accelerated_files = 10000
opcache.validate_timestamps = 1
opcache.revalidate_freq = 2
opcache.jit = off
opcache.jit_buffer_size = 0
realpath_cache_size = 4096K
"""

# Prints what the comparison of the two PHP setups needs.
PROBE_PHP = r"""<?php
header('Content-Type: application/json');
$ext = array_map('strtolower', get_loaded_extensions());
sort($ext);
$ini = [];
foreach (['memory_limit', 'opcache.enable', 'opcache.memory_consumption', 'opcache.interned_strings_buffer',
          'opcache.max_accelerated_files', 'opcache.validate_timestamps', 'opcache.revalidate_freq', 'opcache.jit',
          'opcache.jit_buffer_size', 'realpath_cache_size'] as $k) {
    $ini[$k] = ini_get($k);
}
$status = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
echo json_encode(['php' => PHP_VERSION, 'extensions' => $ext, 'ini' => $ini,
                  'opcache_running' => is_array($status) && !empty($status['opcache_enabled'])]);
"""

PAGES = (("front", "/", "front page", TITLE), ("login", "/wp-login.php", "login page (wp-login.php)", 'name="log"'),
         ("rest", "/wp-json/wp/v2/posts", "REST API (/wp-json/wp/v2/posts)", "Hello world!"))


def add_arguments(ap):
    g = ap.add_argument_group("wordpress section")
    g.add_argument("--wordpress", default=WORDPRESS, help=f"the WordPress tree to copy (default {WORDPRESS})")
    g.add_argument("--wordpress-duration", type=int, default=8,
                   help="seconds per WordPress measurement (default 8, also with --quick): at -c64 a page takes seconds")


def tool(name):
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        raise RuntimeError(f"{name} not found: scripts/setup installs mariadb-server")
    return path


def socket_accepts(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def sections(lib, args):
    state = {}  # what the section shares between its peers: the database, the site's files, the ini

    def mariadb(ctx):
        """The private MariaDB (started once): its socket."""
        if "socket" in state:
            return state["socket"]
        d = os.path.join(ctx.tmp, "mariadb")
        data, sock = os.path.join(d, "data"), os.path.join(d, "mysqld.sock")
        os.makedirs(d, exist_ok=True)
        root = ["--user=root"] if os.geteuid() == 0 else []  # mariadbd refuses root unless told so
        lib.log("wordpress: initializing a private MariaDB data directory")
        p = subprocess.run([tool("mariadb-install-db"), "--no-defaults", f"--datadir={data}",
                            "--auth-root-authentication-method=normal", "--skip-test-db"] + root,
                           capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {(p.stderr or p.stdout)[-400:]}")
        proc = ctx.procs.spawn("mariadbd", [tool("mariadbd"), "--no-defaults", f"--datadir={data}", f"--socket={sock}",
                                            f"--pid-file={d}/mysqld.pid", f"--log-error={d}/error.log",
                                            "--skip-networking"] + root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not lib.poll_until(lambda: socket_accepts(sock) or proc.poll() is not None, deadline=60) \
                or proc.poll() is not None:
            raise RuntimeError("mariadbd did not start: " + lib.NginxFpmPeer.tail(os.path.join(d, "error.log")))
        sql = (f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4; "
               f"CREATE USER '{DB_USER}'@'localhost' IDENTIFIED BY '{DB_PASSWORD}'; "
               f"GRANT ALL ON {DB_NAME}.* TO '{DB_USER}'@'localhost';")
        p = subprocess.run([tool("mariadb"), "--no-defaults", f"--socket={sock}", "--user=root", "-e", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"creating the database failed: {p.stderr[-300:]}")
        state["socket"], state["mariadbd"] = sock, proc
        return sock

    def site(ctx):
        """The copy of WordPress (made once), its wp-config.php, the probe and a hello world."""
        if "root" in state:
            return state["root"]
        src = args.wordpress
        if not os.path.exists(os.path.join(src, "wp-settings.php")):
            raise RuntimeError(f"no WordPress in {src}: scripts/setup installs Debian's wordpress")
        sock = mariadb(ctx)
        root = os.path.join(ctx.tmp, "wordpress")
        # A copy, not symlinks: WordPress finds its configuration from __DIR__, which PHP resolves.
        shutil.copytree(src, root, symlinks=True, ignore=lambda d, names: ["wp-config.php"] if d == src else [])
        with open(os.path.join(root, "wp-config.php"), "w") as f:
            f.write(f"""<?php
define('DB_NAME', '{DB_NAME}');
define('DB_USER', '{DB_USER}');
define('DB_PASSWORD', '{DB_PASSWORD}');
define('DB_HOST', 'localhost:{sock}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
""" + "".join(f"define('{k}', 'pogo-bench-{k.lower()}');\n" for k in (
                "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
                "LOGGED_IN_SALT", "NONCE_SALT")) + """$table_prefix = 'wp_';
// Two peers on two ports serve one site: the URLs follow the request.
define('WP_HOME', 'http://' . ($_SERVER['HTTP_HOST'] ?? '127.0.0.1'));
define('WP_SITEURL', WP_HOME);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
""")
        with open(os.path.join(root, "bench-php.php"), "w") as f:
            f.write(PROBE_PHP)
        with open(os.path.join(root, "hello.php"), "w") as f:
            f.write(lib.HELLO_PHP)
        shutil.copy(os.path.join(ctx.www, "static.txt"), root)  # nginx's readiness probe
        for d, _, _ in os.walk(root):
            os.chmod(d, 0o755)
        state["root"] = root
        return root

    def php_ini(ctx):
        path = os.path.join(ctx.tmp, "wordpress-php.ini")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(PHP_INI)
        return path

    def fpm_scan_dir(ctx):
        """A PHP_INI_SCAN_DIR with Debian's mods-available/*.ini of Pogo's extensions (and OPcache)."""
        d = os.path.join(ctx.tmp, "fpm-conf.d")
        if os.path.isdir(d):
            return d
        probe = os.path.join(ctx.tmp, "extensions.php")
        with open(probe, "w") as f:
            f.write("<?php echo implode(' ', get_loaded_extensions());")
        p = subprocess.run([ctx.pogo, "php-cli", probe], capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"pogo php-cli failed: {p.stderr[-300:]}")
        names = {n.lower() for n in p.stdout.split()} | {"opcache"}
        os.makedirs(d)
        mods = "/etc/php/8.2/mods-available"
        for n in sorted(names):
            ini = os.path.join(mods, f"{n}.ini")
            if os.path.exists(ini):
                m = re.search(r"priority=(\d+)", open(ini).read())
                shutil.copy(ini, os.path.join(d, f"{m.group(1) if m else 20}-{n}.ini"))
        return d

    class PogoWordPressPeer(lib.PogoRunPeer):
        def __init__(self):
            super().__init__("pogo-run-wp", root=site)

        def start(self, ctx):
            self.env = {"PHPRC": php_ini(ctx)}
            base = super().start(ctx)
            install(base)
            return base

    class FpmWordPressPeer(lib.NginxFpmPeer):
        def __init__(self):
            super().__init__(name="nginx+fpm-wp", ini=php_ini,
                             locations="location / { try_files $uri $uri/ /index.php?$args; }")

        def start(self, ctx):
            self.root = site(ctx)
            self.scan_dir = fpm_scan_dir(ctx)
            base = super().start(ctx)
            install(base)
            return base

    def install(base):
        """WordPress's web installer, once (whichever peer starts first runs it)."""
        if state.get("installed"):
            return
        lib.log(f"wordpress: installing through {base}/wp-admin/install.php")
        form = urllib.parse.urlencode({"weblog_title": TITLE, "user_name": ADMIN, "admin_password": ADMIN_PASSWORD,
                                       "admin_password2": ADMIN_PASSWORD, "pw_weak": "1",
                                       "admin_email": "admin@pogo.test", "blog_public": "0", "language": ""}).encode()
        try:
            with urllib.request.urlopen(base + "/wp-admin/install.php?step=2", data=form, timeout=120) as r:
                body = r.read().decode(errors="replace")
        except Exception as e:
            raise RuntimeError(f"WordPress install failed: {e}")
        if "Success!" not in body:
            raise RuntimeError(f"WordPress install did not succeed: {body[-300:]!r}")
        state["installed"] = True

    def check(marker):
        return lambda body: None if marker.encode() in body else f"no {marker!r} in the page"

    def wordpress_section():
        return lib.Section(
            name="wordpress",
            peers={"pogo-run-wp": lambda: PogoWordPressPeer(), "nginx+fpm-wp": lambda: FpmWordPressPeer()},
            comparisons=[lib.Comparison(name, "pogo-run-wp", "nginx+fpm-wp", path, None, None,
                                        f"WordPress {what}: pogo run vs nginx + php-fpm", check=check(marker))
                         for name, path, what, marker in PAGES],
            custom=measure_limits, server_cpu=True, duration=duration(args),
            estimate=lambda a: 60 + 2 * (len(PAGES) + 1) * (duration(a) + 1))

    def duration(a):
        return a.wordpress_duration  # also with --quick: at -c64 a shorter run may see no response at all

    # ---- what limits it ----

    def measure_limits(runner, section):
        a = runner.args
        c = lib.default_connections(a)
        lines = same_php(runner, section)
        db = state.get("mariadbd")
        lines.append(f"CPU time per request under wrk -c{c} -d{duration(a)}s, by who spent it (us/request):")
        lines.append(f"  {'page':<10} {'peer':<13} {'req/s':>8} {'PHP':>8} {'server':>8} {'MariaDB':>8}  "
                     f"PHP share of the server's CPU")
        for name, path in [(n, p) for n, p, _, _ in PAGES] + [("hello", "/hello.php")]:
            for key in ("pogo-run-wp", "nginx+fpm-wp"):
                peer, base = runner.peer(section, key)
                if peer is None:
                    continue
                if key == "pogo-run-wp":
                    before, db0 = lib.thread_cpu(peer.proc.pid), lib.process_group_cpu([db.pid]) if db else 0
                else:
                    before = (lib.process_group_cpu([peer.fpm.pid]), lib.process_group_cpu([peer.nginx.pid]))
                    db0 = lib.process_group_cpu([db.pid]) if db else 0
                try:
                    r, _ = lib.run_wrk(base + path, a, duration(a), c)
                    if not r["requests"]:
                        raise RuntimeError(f"no response in {duration(a)} s")
                except Exception as e:
                    lines.append(f"  {name:<10} {key:<13} {e}")
                    continue
                if key == "pogo-run-wp":
                    php, server = lib.php_vs_other_cpu(before, lib.thread_cpu(peer.proc.pid))
                else:
                    php = lib.process_group_cpu([peer.fpm.pid]) - before[0]
                    server = lib.process_group_cpu([peer.nginx.pid]) - before[1]
                dbcpu = (lib.process_group_cpu([db.pid]) - db0) if db else 0
                n = r["requests"] or 1
                us = lambda s: s * 1e6 / n  # noqa: E731
                share = php / (php + server) if php + server else 0
                runner.results.append({"section": "wordpress", "comparison": f"limits-{name}", "peer": key,
                                       "custom": True, "rps": r["rps"], "p99_ms": r["p99_ms"], "php_us": us(php),
                                       "server_us": us(server), "db_us": us(dbcpu)})
                lines.append(f"  {name:<10} {key:<13} {lib.fmt(r['rps'], ',.0f'):>8} {us(php):>8.0f} {us(server):>8.0f} "
                             f"{us(dbcpu):>8.0f}  {share:.0%}")
        lines.append("PHP = Pogo's php-N threads / php-fpm's processes; server = Pogo's other threads (loops, main) / "
                     "nginx's processes. hello = hello.php in the same root.")
        lines += verdict(runner)
        runner.reports.append(("WordPress: what limits it", lines))

    def verdict(runner):
        """One conclusion from Pogo's rows: how much of a WordPress request's CPU time is the server's."""
        rows = {r["comparison"]: r for r in runner.results
                if r["section"] == "wordpress" and r["peer"] == "pogo-run-wp" and "php_us" in r}
        pages = [rows[f"limits-{n}"] for n, _, _, _ in PAGES if f"limits-{n}" in rows]
        if not pages or "limits-hello" not in rows:
            return []
        hello = rows["limits-hello"]
        share = max(p["server_us"] / (p["php_us"] + p["server_us"]) for p in pages if p["php_us"] + p["server_us"])
        return [f"Limit: PHP. Pogo's server threads take at most {share:.1%} of a WordPress request's CPU time "
                f"(hello world: {hello['server_us']:.0f} us of server time, {hello['php_us']:.0f} us of PHP), so "
                f"a faster server could move WordPress's requests/s by about that much; the rest is PHP running "
                f"WordPress (and MariaDB's time besides)."]

    def same_php(runner, section):
        """The probe's answer from both peers: same extensions, same OPcache settings?"""
        got = {}
        for key in ("pogo-run-wp", "nginx+fpm-wp"):
            peer, base = runner.peer(section, key)
            if peer is None:
                continue
            status, body = lib.http_get(base + "/bench-php.php", timeout=30)
            if status == 200:
                got[key] = json.loads(body)
        if len(got) < 2:
            return ["PHP setups not compared: a peer did not answer bench-php.php"]
        p, f = got["pogo-run-wp"], got["nginx+fpm-wp"]
        only_p = sorted(set(p["extensions"]) - set(f["extensions"]))
        only_f = sorted(set(f["extensions"]) - set(p["extensions"]))
        ini_diff = {k: (p["ini"].get(k), f["ini"].get(k)) for k in p["ini"] if p["ini"].get(k) != f["ini"].get(k)}
        lines = [f"PHP: pogo {p['php']}, php-fpm {f['php']}; OPcache running: pogo {p['opcache_running']}, "
                 f"php-fpm {f['opcache_running']}",
                 "extensions: " + ("the same " + str(len(p["extensions"])) if not only_p and not only_f else
                                   f"only in pogo: {', '.join(only_p) or '-'}; only in php-fpm: {', '.join(only_f) or '-'}"),
                 "ini: " + ("the same (" + ", ".join(f"{k}={v}" for k, v in p["ini"].items()) + ")" if not ini_diff else
                            "differs: " + ", ".join(f"{k} pogo={a} fpm={b}" for k, (a, b) in ini_diff.items()))]
        runner.results.append({"section": "wordpress", "comparison": "php-setup", "peer": "both", "custom": True,
                               "only_pogo": only_p, "only_fpm": only_f, "ini_diff": ini_diff})
        return lines

    return [wordpress_section]
