#!/usr/bin/python3
"""Who may reach vswd, and where vswd may write: the control socket and the vhost-user socket
directory get the configured owner, group and mode; a world-writable control socket directory
stops vswd; vswctl without permission says "permission denied" (and, with the group, works); no
control request makes vswd create files outside its socket and state directories, and a state
file that names such a path keeps the port (with its error) instead of losing it."""
import json
import os
import shutil
import stat
import subprocess

from vswtest import VSWCTL, Ether, Vswd, Workdir, check, run, wrpcap

CTL_GID, SOCKET_GID = 4242, 4243
NOBODY = 65534


def as_nobody(vswctl, ctl, *args, groups=None):
    ids = ["--reuid", str(NOBODY), "--regid", str(NOBODY)]
    ids += ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
    return subprocess.run(["setpriv", *ids, vswctl, "--ctl", ctl, *args], capture_output=True, text=True, timeout=30)


def mode_of(path):
    st = os.lstat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def test(work):
    # A place nobody may enter and read (the test's own directory becomes vswd's socket
    # directory, 2770 or less): a copy of vswctl and the control socket's directory.
    pub = Workdir("permissions-pub")
    try:
        os.chmod(pub.path, 0o755)
        vswctl = os.path.join(pub.path, "vswctl")
        shutil.copy(VSWCTL, vswctl)
        run_checks(work, pub, vswctl)
    except BaseException:
        pub.failed = True
        raise
    finally:
        pub.cleanup()


def run_checks(work, pub, vswctl):
    # 1. A world-writable control socket directory (sticky or not): vswd refuses to start.
    for mode in (0o1777, 0o777):
        open_dir = os.path.join(pub.path, f"open{mode:o}")
        os.makedirs(open_dir)
        os.chmod(open_dir, mode)
        refused = Vswd(work, name=f"open{mode:o}")
        refused.ctl_path = os.path.join(open_dir, "vswd.ctl")
        refused.start(expect_ready=False)
        rc = refused.proc.wait(timeout=60)
        check(rc != 0 and "world-writable" in refused.log(),
              f"vswd refuses a control socket directory of mode {mode:04o} (exit {rc})")
        check(not os.path.exists(refused.ctl_path), "and creates no socket there")

    # 2. Owner, group and mode of the control socket and of the vhost-user sockets.
    vswd = Vswd(work, extra=["--ctl-group", str(CTL_GID), "--ctl-mode", "0660", "--socket-group", str(SOCKET_GID),
                             "--socket-dir-mode", "2750", "--socket-mode", "0640"])
    vswd.ctl_path = os.path.join(pub.path, "ctl", "vswd.ctl")
    vswd.start()
    check(mode_of(vswd.ctl_path) == (0o660, 0, CTL_GID), f"control socket is root:{CTL_GID} 0660")
    check(mode_of(work.path) == (0o2750, 0, SOCKET_GID), f"socket directory is root:{SOCKET_GID} 2750")
    vswd.ctl("add-port", "srv", "--type", "vhost-user-server", "--socket", work.file("srv.sock"))
    check(mode_of(work.file("srv.sock")) == (0o640, 0, SOCKET_GID), f"vswd's server socket is root:{SOCKET_GID} 0640")

    # 3. vswctl: without the group "permission denied" and what to do; with it, it works.
    r = as_nobody(vswctl, vswd.ctl_path, "show")
    check(r.returncode != 0 and "permission denied on control socket" in r.stderr and f"group '{CTL_GID}'" in r.stderr,
          f"vswctl as nobody: {r.stderr.strip()}")
    r = as_nobody(vswctl, vswd.ctl_path, "add-port", "sneaky", "--socket", work.file("sneaky.sock"))
    check(r.returncode != 0 and vswd.port("sneaky") is None, "nobody cannot add a port either")
    r = as_nobody(vswctl, vswd.ctl_path, "--json", "show", groups=[CTL_GID])
    check(r.returncode == 0 and [p["name"] for p in json.loads(r.stdout)["ports"]] == ["srv"],
          f"nobody in group {CTL_GID} may use vswctl")

    # 4. No control request creates files outside the socket and state directories.
    outside = os.path.join(pub.path, "outside.sock")
    code, err = vswd.ctl_fail("add-port", "out", "--type", "vhost-user-server", "--socket", outside)
    check("socket directory" in err and not os.path.exists(outside), f"server socket outside: {err}")
    code, err = vswd.ctl_fail("add-port", "out", "--type", "vhost-user-server", "--socket", work.file("sub/x.sock"))
    check("socket directory" in err, f"server socket in a subdirectory: {err}")
    evil = os.path.join(pub.path, "evil.pcap")
    code, err = vswd.ctl_fail("add-port", "cap", "--type", "dpdk", "--devargs", f"net_pcap7,tx_pcap={evil}")
    check("refusing" in err and not os.path.exists(evil), f"devargs writing outside: {err}")
    code, err = vswd.ctl_fail("add-port", "vu", "--type", "dpdk", "--devargs",
                              f"net_virtio_user7,path={os.path.join(pub.path, 'v.sock')},server=1")
    check("refusing" in err and not os.path.exists(os.path.join(pub.path, "v.sock")), f"virtio_user server outside: {err}")
    wrpcap(work.file("in.pcap"), [Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / bytes(50)])
    vswd.ctl("add-port", "cap", "--type", "dpdk", "--devargs",
             f"net_pcap7,rx_pcap={work.file('in.pcap')},tx_pcap={work.file('out.pcap')}")
    check(os.path.exists(work.file("out.pcap")), "a pcap port with its files in the socket directory is allowed")
    vswd.ctl("del-port", "cap")
    vswd.stop()

    # 5. A state file (older, or edited) naming a server socket outside: the port is kept, shown
    #    with its error, and stays in the state file; nothing is created.
    with open(vswd.state_path) as f:
        state = json.load(f)
    state["ports"][0]["socket"] = outside
    with open(vswd.state_path, "w") as f:
        json.dump(state, f)
    vswd.start()
    port = vswd.port("srv")
    check(port is not None and "socket directory" in port.get("error", ""), f"restored port kept with error: {port}")
    check(not os.path.exists(outside), "and its socket is not created")
    with open(vswd.state_path) as f:
        check(json.load(f)["ports"][0]["socket"] == outside, "the state file still has it")
    vswd.stop()


if __name__ == "__main__":
    run(test, "permissions")
