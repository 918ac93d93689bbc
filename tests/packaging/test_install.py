#!/usr/bin/python3
"""meson install into a scratch root: the programs, both systemd units (pointing at the
installed programs and the defaults file), the defaults file, a man page per program that
documents every option of its --help, and the libvirt examples (well-formed XML)."""
import configparser
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BUILD = os.environ["VSW_BUILD_DIR"]
PROGRAMS = ["vswd", "vswctl", "vsw-libvirt"]


def check(cond, msg):
    if not cond:
        print(f"FAIL: {msg}", flush=True)
        sys.exit(1)
    print(f"ok: {msg}", flush=True)


def main():
    intro = {o["name"]: o["value"] for o in json_lines(["meson", "introspect", BUILD, "--buildoptions"])}
    prefix, bindir, sysconfdir = intro["prefix"], intro["bindir"], intro["sysconfdir"]
    mandir, datadir = intro["mandir"], intro["datadir"]
    with tempfile.TemporaryDirectory(prefix="vsw-install-") as root:
        r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", root, "--no-rebuild", "--quiet"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"meson install --destdir succeeds {r.stderr[-500:]}")
        at = lambda *parts: os.path.join(root + prefix, *parts)  # noqa: E731
        for p in PROGRAMS:
            exe = at(bindir, p)
            check(os.access(exe, os.X_OK), f"{p} installed in {prefix}/{bindir}")
            out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
            check(out.startswith(p + " "), f"the installed {p} runs: {out.strip()}")
        defaults = at(sysconfdir, "default", "vswd")
        check(os.path.isfile(defaults) and "VSWD_OPTS=" in open(defaults).read(), f"defaults file {prefix}/{sysconfdir}/default/vswd")
        for unit, program in (("vswd.service", "vswd"), ("vsw-libvirt.service", "vsw-libvirt")):
            path = at("lib", "systemd", "system", unit)
            cfg = configparser.ConfigParser(strict=False, interpolation=None)
            cfg.optionxform = str
            cfg.read(path)
            check(cfg.sections() == ["Unit", "Service", "Install"], f"{unit}: [Unit], [Service], [Install]")
            exec_start = cfg["Service"]["ExecStart"].split()
            check(exec_start[0] == os.path.join(prefix, bindir, program) and os.access(root + exec_start[0], os.X_OK),
                  f"{unit}: ExecStart={exec_start[0]}, installed")
            check(cfg["Service"]["EnvironmentFile"] == "-" + os.path.join(prefix, sysconfdir, "default", "vswd"),
                  f"{unit}: reads the defaults file")
            check(cfg["Install"]["WantedBy"] == "multi-user.target", f"{unit}: enabled into multi-user.target")
        for p in PROGRAMS:
            page = at(mandir, "man8", p + ".8")
            text = open(page).read() if os.path.isfile(page) else ""
            check(re.search(r'^\.TH "?' + re.escape(p.upper()) + r'"? "?8', text, re.M), f"man page {p}(8)")
            help_text = subprocess.run([at(bindir, p), "--help"], capture_output=True, text=True).stdout
            options = set(re.findall(r"^\s+(?:-\w \[ )?--([a-z][a-z-]+)", help_text, re.M))
            missing = [o for o in options if o.replace("-", r"\-") not in text and o not in text]
            check(options and not missing, f"{p}(8) documents all {len(options)} options of --help {missing}")
        examples = at(datadir, "doc", "vsw", "examples", "libvirt")
        for name in ("web1.xml", "router1.xml", "README.md"):
            check(os.path.isfile(os.path.join(examples, name)), f"example {name} installed")
        for name in ("web1.xml", "router1.xml"):
            ET.parse(os.path.join(examples, name))
        print("PASS install", flush=True)


def json_lines(cmd):
    import json
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


if __name__ == "__main__":
    main()
