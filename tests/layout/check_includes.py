#!/usr/bin/env python3
"""Checks that the folders are the architecture: every `#include "..."` of vsw's own headers
goes in an allowed direction, and no source file lies at the top level of src/.

  check_includes.py ROOT     exit 0 if the tree keeps the rules, else 1 with one line per
                             violation: FILE:LINE: what is wrong

The rules, one per folder (the most specific folder that contains a file decides). An entry
"dir/" allows anything below dir, "dir/*" only the files directly in dir, anything else names
one header. A folder may always include the files its own rule governs (itself and any
sub-folder without a rule of its own). Tests, fuzz targets, benchmarks and tools
(tests/, integration/) may include anything.
"""
import pathlib
import re
import sys

CORE = ["core/"]
STAGES = CORE + ["virtio/", "vhost/", "telemetry/", "qos/", "offload/", "overlay/", "security/", "lacp/", "bond/", "cfm/", "acl/", "conntrack/"]
# What the CLI, the agents and the state file may see of the stages: their settings and formats,
# never their datapath (these parts build without DPDK).
SHARED_SETTINGS = ["qos/bandwidth.h", "telemetry/mirror/mirror_config.h", "telemetry/ipfix/ipfix_config.h",
                   "telemetry/export/collector.h", "overlay/overlay_config.h", "overlay/overlay_report.h",
                   "security/port_security_config.h", "bond/bond_config.h",
                   "cfm/cfm_settings.h", "acl/security_group.h", "acl/acl_syntax.h",
                   "acl/acl_port_settings.h", "acl/security_group_set.h"]
CAPTURE_FORMATS = ["telemetry/capture/capture_request.h", "telemetry/capture/capture_stream.h",
                   "telemetry/capture/pcapng_writer.h"]
TELEMETRY_ROOT = CORE + ["telemetry/*"]
# An exporting stage sends through the shared collector sessions and exporter thread.
EXPORTER = TELEMETRY_ROOT + ["telemetry/export/"]

RULES = {
    "core": CORE,
    "virtio": CORE,
    "vhost": CORE + ["virtio/"],
    "telemetry": TELEMETRY_ROOT,
    # A mirror copy handed to another worker must not refer to a guest's memory (one copy).
    "telemetry/mirror": TELEMETRY_ROOT + ["vhost/guest_frame.h"],
    "telemetry/export": TELEMETRY_ROOT,
    "telemetry/ipfix": EXPORTER,
    # NetFlow encodes the flow cache's records (its types only, not the metering).
    "telemetry/netflow": EXPORTER + ["telemetry/ipfix/flow_cache.h", "telemetry/ipfix/flow_key.h",
                                     "telemetry/ipfix/flow_encoder.h"],
    "telemetry/sflow": EXPORTER,
    "telemetry/capture": TELEMETRY_ROOT,
    "telemetry/metrics": TELEMETRY_ROOT,
    "qos": CORE + ["telemetry/*"],
    "offload": CORE,
    "overlay": CORE,
    # LACP's machines: pure, time passed in, frames as bytes.
    "lacp": CORE,
    # Bonds: settings (with LACP's), hash buckets, the workers' view. Pure.
    "bond": CORE + ["lacp/lacp_settings.h"],
    # CFM's continuity check: the CCM, the level rule, a MEP's machines, a port's cfm-* settings.
    # Pure, time passed in, frames as bytes.
    "cfm": CORE,
    # Security groups: the model, the operator's syntax, a port's setting, the classifier for
    # NEW connections. Pure.
    "acl": CORE,
    # Connection tracking: keys from frames, TCP's states and windows, the shared table.
    # Pure, time passed in, frames as bytes.
    "conntrack": CORE,
    # Port security: its stages meter with qos/'s token bucket and count per port.
    "security": CORE + ["qos/token_bucket.h", "telemetry/*"],
    "src/datapath": STAGES,
    "src/config": CORE + SHARED_SETTINGS,
    "src/control": STAGES + ["src/datapath/", "src/config/"],
    "src/daemon": STAGES + ["src/datapath/", "src/config/", "src/control/"],
    "src/vswctl": CORE + SHARED_SETTINGS + CAPTURE_FORMATS + ["src/config/", "src/libvirt/"],
    "src/libvirt": CORE + SHARED_SETTINGS + ["src/config/"],
    "src/evpn": CORE + SHARED_SETTINGS + ["src/config/"],
    "tests": None,        # anything
    "integration": None,  # anything
}
# Made in the build directory: by meson, and by protoc from GoBGP's API (src/evpn/meson.build).
GENERATED = {"vsw_version.h", "gobgp.pb.h", "gobgp.grpc.pb.h", "attribute.pb.h", "capability.pb.h"}
SOURCE_SUFFIXES = {".cpp", ".h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def rule_for(rel_dir):
    """The rule of the most specific folder containing rel_dir, and that folder's name."""
    parts = rel_dir.split("/") if rel_dir else []
    for n in range(len(parts), 0, -1):
        folder = "/".join(parts[:n])
        if folder in RULES:
            return folder, RULES[folder]
    return None, None


def allowed(target, entries):
    for e in entries:
        if e.endswith("/*"):
            if target.rsplit("/", 1)[0] == e[:-2] and "/" in target:
                return True
        elif e.endswith("/"):
            if target.startswith(e):
                return True
        elif target == e:
            return True
    return False


def source_files(root):
    """The tree's C++ files as (path, path relative to root), build directories and hidden
    folders left out."""
    root = pathlib.Path(root)
    for path in sorted(root.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel.startswith("build") or "/." in "/" + rel:
            continue
        yield path, rel


def check(root):
    root = pathlib.Path(root)
    problems = []
    for path, rel in source_files(root):
        rel_dir = rel.rsplit("/", 1)[0] if "/" in rel else ""
        if rel_dir == "src":
            problems.append(f"{rel}:1: source file at the top level of src/: it belongs in one of its folders")
            continue
        folder, entries = rule_for(rel_dir)
        if folder is None:
            problems.append(f"{rel}:1: folder '{rel_dir or '.'}' has no include rule (add it to {__file__})")
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if target in GENERATED:
                continue
            if not (root / target).is_file():
                problems.append(f"{rel}:{number}: includes \"{target}\", which is not a file of the tree "
                                "(includes are written from the root)")
                continue
            target_dir = target.rsplit("/", 1)[0] if "/" in target else ""
            if entries is None or rule_for(target_dir)[0] == folder or allowed(target, entries):
                continue
            problems.append(f"{rel}:{number}: {folder}/ may not include \"{target}\" "
                            f"(it may include: {', '.join(entries + [folder + '/'])})")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: check_includes.py ROOT")
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    print(f"include directions: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
