#!/usr/bin/python3
"""Checks the deployment files against what Pogo does, cheaply (no cluster, no container engine).

  check_deploy.py kubernetes --source DIR --pogo BIN
      deploy/kubernetes/**.yaml: every document parses and has apiVersion, kind and metadata.name;
      the Deployment, Service, ConfigMap and HorizontalPodAutoscaler agree with each other (labels,
      ports, scale target); the ConfigMap's Caddyfile is adapted by `pogo adapt`, and the probes
      hit its admin API (/ready for readiness, /metrics for liveness, on its port), the Service
      reaches its site's port, and terminationGracePeriodSeconds = preStop sleep + shutdown_delay
      + grace_period; the custom-metric variant scales on frankenphp_queue_depth.

  check_deploy.py dockerfile --source DIR --pogo BIN
      the Dockerfile's invariants: BASE and PHP_VERSION pinned; the PHP stage copies nothing but
      scripts/ (an application edit never rebuilds PHP); the runtime stage runs unprivileged with
      cap_net_bind_service, exposes 80 443 443/udp 2019, has the /data and /config volumes with
      XDG_*_HOME, php.ini-production as php.ini, a HEALTHCHECK through `pogo health`, the config at
      /etc/frankenphp/Caddyfile and /etc/pogo/Caddyfile, no PHP CLI; .dockerignore keeps build
      trees and .git out; the image's Caddyfile adapts.

Every failure is printed as `FILE: what is wrong`; exit 1 if there was any.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def duration_seconds(value):
    """A Caddy duration as adapt prints it ("20s", "1m30s", "500ms", or None) in seconds."""
    if value in (None, "", 0):
        return 0.0
    if isinstance(value, (int, float)):
        return value / 1e9  # nanoseconds, as Caddy's JSON
    total = 0.0
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "ns": 1e-9}
    for number, unit in re.findall(r"([0-9.]+)(ms|us|ns|h|m|s)", value):
        total += float(number) * units[unit]
    return total


def adapt(pogo, caddyfile_text, where):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "Caddyfile")
        with open(path, "w") as f:
            f.write(caddyfile_text)
        # No environment placeholders leak in from the test's environment.
        env = {k: v for k, v in os.environ.items() if k not in ("CADDY_ADMIN", "SERVER_NAME", "SERVER_ROOT")}
        r = subprocess.run([pogo, "adapt", "--config", path], capture_output=True, text=True, env=env, cwd=tmp)
    if r.returncode != 0:
        fail(where, "pogo adapt refused the Caddyfile: " + r.stderr.strip())
        return None
    return json.loads(r.stdout)


def port_of(address):
    """':2019' -> 2019, 'localhost:2019' -> 2019."""
    m = re.search(r":(\d+)$", address or "")
    return int(m.group(1)) if m else None


# ---- Kubernetes --------------------------------------------------------------------------------

def load_manifests(root):
    docs = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)):
        rel = os.path.relpath(path, os.path.dirname(os.path.dirname(root)))
        try:
            with open(path) as f:
                loaded = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            fail(rel, f"not valid YAML: {e}")
            continue
        for d in loaded:
            if not isinstance(d, dict):
                fail(rel, "a document that is not a mapping")
                continue
            for field in ("apiVersion", "kind"):
                if not d.get(field):
                    fail(rel, f"a document without {field}")
            if not (d.get("metadata") or {}).get("name"):
                fail(rel, f"{d.get('kind', 'a document')} without metadata.name")
            docs.append((rel, os.path.dirname(path) == root, d))
    return docs


def one(docs, kind, top=True):
    found = [(rel, d) for rel, is_top, d in docs if d.get("kind") == kind and is_top == top]
    if len(found) != 1:
        fail("deploy/kubernetes" + ("" if top else "/custom-metric"), f"expected one {kind}, found {len(found)}")
        return None, {}
    return found[0]


def check_kubernetes(source, pogo):
    root = os.path.join(source, "deploy", "kubernetes")
    docs = load_manifests(root)
    dep_file, dep = one(docs, "Deployment")
    svc_file, svc = one(docs, "Service")
    cm_file, cm = one(docs, "ConfigMap")
    hpa_file, hpa = one(docs, "HorizontalPodAutoscaler")
    custom_file, custom = one(docs, "HorizontalPodAutoscaler", top=False)
    if not dep:
        return

    spec = dep.get("spec", {})
    template = spec.get("template", {})
    labels = template.get("metadata", {}).get("labels", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        fail(dep_file, f"spec.selector.matchLabels {selector} does not select the pod template's labels {labels}")
    pod = template.get("spec", {})
    containers = pod.get("containers", [])
    if len(containers) != 1:
        fail(dep_file, f"expected one container, found {len(containers)}")
        return
    c = containers[0]
    for field in ("name", "image"):
        if not c.get(field):
            fail(dep_file, f"the container has no {field}")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}

    # The Caddyfile the pod runs: mounted where the image looks for it.
    caddyfile = (cm.get("data") or {}).get("Caddyfile")
    if not caddyfile:
        fail(cm_file, "no data.Caddyfile")
        return
    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts", [])}
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    mount = mounts.get("/etc/frankenphp/Caddyfile")
    if not mount or (volumes.get(mount.get("name"), {}).get("configMap") or {}).get("name") != cm["metadata"]["name"]:
        fail(dep_file, f"ConfigMap {cm['metadata']['name']} is not mounted at /etc/frankenphp/Caddyfile")
    config = adapt(pogo, caddyfile, cm_file)
    if config is None:
        return
    g = config.get("global", {})
    admin_port = port_of(g.get("admin"))
    if admin_port is None:
        fail(cm_file, f"the admin API must listen on a TCP port the kubelet can reach, not {g.get('admin')!r}")
    elif not (g.get("admin") or "").startswith(":") and not g.get("admin", "").startswith("0.0.0.0:"):
        fail(cm_file, f"admin {g.get('admin')} is not reachable on the pod's IP (use :{admin_port})")
    site_ports = set()
    for server in config.get("apps", {}).get("http", {}).get("servers", {}).values():
        site_ports.update(port_of(a) for a in server.get("listen", []))

    def probe_port(probe, name):
        get = (probe or {}).get("httpGet")
        if not get:
            fail(dep_file, f"no {name}.httpGet")
            return None, None
        port = get.get("port")
        return get.get("path"), ports.get(port, port)

    path, port = probe_port(c.get("readinessProbe"), "readinessProbe")
    if path != "/ready" or port != admin_port:
        fail(dep_file, f"readinessProbe GET {path} on port {port}: the admin API's readiness is /ready on {admin_port}")
    path, port = probe_port(c.get("livenessProbe"), "livenessProbe")
    if path != "/metrics" or port != admin_port:
        fail(dep_file, f"livenessProbe GET {path} on port {port}: the admin API's liveness is /metrics on {admin_port}")
    if ports.get("http") not in site_ports:
        fail(dep_file, f"container port http={ports.get('http')} is not one the Caddyfile's sites listen on {sorted(site_ports)}")

    # Grace: the kubelet may SIGKILL only after the preStop sleep, shutdown_delay and grace_period.
    pre = ((c.get("lifecycle") or {}).get("preStop")) or {}
    if not pre:
        fail(dep_file, "no lifecycle.preStop")
    sleep = 0.0
    if "sleep" in pre:
        sleep = float(pre["sleep"].get("seconds", 0))
    elif "exec" in pre:
        cmd = pre["exec"].get("command", [])
        if len(cmd) == 2 and cmd[0] == "sleep":
            sleep = float(cmd[1])
        else:
            fail(dep_file, f"preStop exec {cmd}: expected [\"sleep\", SECONDS]")
    want = sleep + duration_seconds(g.get("shutdown_delay")) + duration_seconds(g.get("grace_period"))
    tgps = pod.get("terminationGracePeriodSeconds")
    if tgps != want:
        fail(dep_file, f"terminationGracePeriodSeconds {tgps} != preStop sleep {sleep:g} + shutdown_delay "
                       f"{g.get('shutdown_delay')} + grace_period {g.get('grace_period')} = {want:g}")

    if svc:
        if any(labels.get(k) != v for k, v in (svc.get("spec", {}).get("selector") or {}).items()) or \
                not svc.get("spec", {}).get("selector"):
            fail(svc_file, "spec.selector does not select the Deployment's pods")
        for p in svc.get("spec", {}).get("ports", []):
            target = p.get("targetPort")
            if ports.get(target, target) not in site_ports:
                fail(svc_file, f"targetPort {target} does not reach a site of the Caddyfile {sorted(site_ports)}")

    for f, h in ((hpa_file, hpa), (custom_file, custom)):
        if not h:
            continue
        ref = h.get("spec", {}).get("scaleTargetRef", {})
        if ref.get("kind") != "Deployment" or ref.get("name") != dep["metadata"]["name"]:
            fail(f, f"scaleTargetRef {ref} is not Deployment {dep['metadata']['name']}")
        if h.get("apiVersion") != "autoscaling/v2":
            fail(f, "apiVersion is not autoscaling/v2")
    metrics = hpa.get("spec", {}).get("metrics", []) if hpa else []
    if not any(m.get("type") == "Resource" and m.get("resource", {}).get("name") == "cpu" for m in metrics):
        fail(hpa_file, "no Resource metric on cpu")
    elif not (c.get("resources", {}).get("requests", {}) or {}).get("cpu"):
        fail(dep_file, "a CPU HorizontalPodAutoscaler needs resources.requests.cpu on the container")
    cm_metrics = custom.get("spec", {}).get("metrics", []) if custom else []
    if not any(m.get("type") == "Pods" and m.get("pods", {}).get("metric", {}).get("name") == "frankenphp_queue_depth"
               for m in cm_metrics):
        fail(custom_file or "deploy/kubernetes/custom-metric", "no Pods metric on frankenphp_queue_depth")

    for rel, _, d in docs:
        if d.get("kind") == "NetworkPolicy":
            opened = {p.get("port") for rule in d.get("spec", {}).get("ingress", []) for p in rule.get("ports", [])}
            for need in (ports.get("http"), admin_port):
                if need not in opened:
                    fail(rel, f"port {need} is not opened to anyone")


# ---- Dockerfile --------------------------------------------------------------------------------

def dockerfile_instructions(path):
    """[(INSTRUCTION, arguments)] with continuations joined and comments dropped."""
    out, current = [], ""
    with open(path) as f:
        for line in f:
            s = line.rstrip("\n")
            if not current and (not s.strip() or s.lstrip().startswith("#")):
                continue
            if s.lstrip().startswith("#"):
                continue
            if s.endswith("\\"):
                current += s[:-1] + " "
                continue
            current += s
            word, _, rest = current.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            current = ""
    return out


def check_dockerfile(source, pogo):
    where = "Dockerfile"
    instructions = dockerfile_instructions(os.path.join(source, "Dockerfile"))
    stages, preamble = [], []
    for ins, args in instructions:
        if ins == "FROM":
            stages.append({"from": args, "ins": []})
        elif stages:
            stages[-1]["ins"].append((ins, args))
        else:
            preamble.append((ins, args))
    args = dict(a.split("=", 1) for i, a in preamble if i == "ARG" and "=" in a)
    if not re.fullmatch(r"debian:\d+(\.\d+)+", args.get("BASE", "")):
        fail(where, f"ARG BASE={args.get('BASE')!r} is not a pinned Debian release (debian:12.N)")
    if not re.fullmatch(r"8\.2\.\d+-[0-9A-Za-z.+~]+", args.get("PHP_VERSION", "")):
        fail(where, f"ARG PHP_VERSION={args.get('PHP_VERSION')!r} is not a pinned php8.2 Debian version")
    if len(stages) < 3:
        fail(where, f"expected the php, build and runtime stages, found {len(stages)}")
        return
    php, build, runtime = stages[0], stages[1], stages[-1]
    if not php["from"].startswith("${BASE}") or not php["from"].endswith(" AS php"):
        fail(where, f"the first stage is FROM {php['from']}: expected FROM ${{BASE}} AS php")
    for ins, a in php["ins"]:
        if ins == "ADD":
            fail(where, "the PHP stage uses ADD")
        if ins == "COPY":
            sources = a.split()[:-1]
            if any(not s.startswith("scripts/") for s in sources if not s.startswith("--")):
                fail(where, f"the PHP stage copies {a!r}: only scripts/ may enter it (app edits would rebuild PHP)")
    php_runs = " ".join(a for i, a in php["ins"] if i == "RUN")
    for needed in ("setup --image", '--php-version "${PHP_VERSION}"', "--prefix /usr/local/lib/pogo/php",
                   "--ini-dir /usr/local/etc/php", "strip"):
        if needed not in php_runs:
            fail(where, f"the PHP stage does not run `{needed}`")
    if build["from"] != "php AS build":
        fail(where, f"the build stage is FROM {build['from']}: expected FROM php AS build")
    if "strip" not in " ".join(a for i, a in build["ins"] if i == "RUN"):
        fail(where, "the build stage does not strip pogo")
    if runtime["from"] != "${BASE}-slim":
        fail(where, f"the runtime stage is FROM {runtime['from']}: expected FROM ${{BASE}}-slim")

    rt = runtime["ins"]
    text = lambda kind: " ".join(a for i, a in rt if i == kind)
    users = [a for i, a in rt if i == "USER"]
    if not users or users[-1] in ("root", "0", "0:0"):
        fail(where, "the runtime stage does not end as an unprivileged USER")
    if "setcap cap_net_bind_service=+ep /usr/local/bin/pogo" not in text("RUN"):
        fail(where, "pogo does not get cap_net_bind_service (setcap)")
    exposed = set(text("EXPOSE").split())
    if exposed != {"80", "443", "443/udp", "2019"}:
        fail(where, f"EXPOSE {sorted(exposed)}: expected 80 443 443/udp 2019")
    volumes = set(text("VOLUME").replace("[", " ").replace("]", " ").replace(",", " ").replace('"', " ").split())
    if not {"/data", "/config"} <= volumes:
        fail(where, f"VOLUME {sorted(volumes)}: expected /data and /config")
    env = text("ENV")
    for needed in ("XDG_DATA_HOME=/data", "XDG_CONFIG_HOME=/config", "PHP_INI_DIR=/usr/local/etc/php"):
        if needed not in env:
            fail(where, f"ENV lacks {needed}")
    health = text("HEALTHCHECK")
    if not re.search(r'CMD \["pogo", "health"', health):
        fail(where, f"HEALTHCHECK {health!r} does not run `pogo health`")
    if "php.ini-production" not in text("RUN") or '"$PHP_INI_DIR/php.ini"' not in text("RUN"):
        fail(where, "php.ini-production is not installed as $PHP_INI_DIR/php.ini")
    copies = [a for i, a in rt if i == "COPY"]
    if not any(a.endswith("/etc/frankenphp/Caddyfile") and "examples/docker/Caddyfile" in a for a in copies):
        fail(where, "examples/docker/Caddyfile is not copied to /etc/frankenphp/Caddyfile")
    if "/etc/pogo/Caddyfile" not in text("RUN") + " ".join(copies):
        fail(where, "/etc/pogo/Caddyfile is not provided")
    if '"/etc/frankenphp/Caddyfile"' not in text("CMD"):
        fail(where, "CMD does not run /etc/frankenphp/Caddyfile")
    for a in copies:
        if a.startswith("--from=php") and (re.search(r"/bin/php(\s|$)", a) or re.search(r"/pogo/php\s", a + " ")):
            fail(where, f"the runtime copies the PHP CLI or the whole prefix: COPY {a}")
    if not any("install-php-extension" in a for a in copies):
        fail(where, "install-php-extension is not in the image")

    ignore_path = os.path.join(source, ".dockerignore")
    if not os.path.exists(ignore_path):
        fail(".dockerignore", "missing")
    else:
        entries = {l.strip() for l in open(ignore_path) if l.strip() and not l.startswith("#")}
        for needed in (".git", "build", "build-*"):
            if needed not in entries:
                fail(".dockerignore", f"does not exclude {needed}")

    with open(os.path.join(source, "examples", "docker", "Caddyfile")) as f:
        adapt(pogo, f.read(), "examples/docker/Caddyfile")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["kubernetes", "dockerfile"])
    p.add_argument("--source", required=True)
    p.add_argument("--pogo", required=True)
    a = p.parse_args()
    (check_kubernetes if a.what == "kubernetes" else check_dockerfile)(os.path.abspath(a.source), os.path.abspath(a.pogo))
    for f in failures:
        print(f)
    if failures:
        return 1
    print(f"{a.what}: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
