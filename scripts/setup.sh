#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, reserves hugepages and builds vsw.
# Idempotent: run it as often as you like. Needs root (apt-get, /proc/sys/vm).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ meson ninja-build pkg-config ccache  # meson compiles through ccache when it is there
  libdpdk-dev dpdk-dev                 # DPDK 22.11: libraries, dpdk-testpmd (fake guests)
  libboost-program-options-dev nlohmann-json3-dev catch2
  libvirt-dev libxml2-dev              # vsw-libvirt: libvirt client, domain XML reading
  libpcap-dev                          # capture filters (pcap-filter expressions)
  libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients  # libvirtd + virsh (e2e tests)
  python3 python3-scapy                # component tests: frame generation and pcap checks
  iproute2 procps kmod tshark          # tshark: independent decoding of captures
  nfdump                               # nfcapd/nfdump: an independent IPFIX and NetFlow collector
  softflowd pmacct nfdump-sflow        # a reference NetFlow exporter; nfacctd/sfacctd, sfcapd: collectors
  clang libclang-rt-14-dev             # libFuzzer targets (tests/fuzz) and their sanitizer runtimes
  clang-format-14                      # the format test (.clang-format stays applied)
  prometheus                           # a real scraper (and promtool) for vswd's /metrics
  help2man                             # man pages from --help (meson install)
  qemu-system-x86 linux-image-amd64    # real guests: QEMU (TCG) and the guest kernel + modules
  busybox-static iperf3                # guest userland
  dnsmasq-base                         # a DHCP server in a namespace (e2e-libvirt: clean-traffic with DHCP)
  gobgpd golang-github-osrg-gobgp-dev  # EVPN: the BGP engine, and its gRPC API's .proto files
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # vsw-evpn's gRPC client
  frr                                  # an EVPN interop peer (bgpd + zebra over kernel VXLAN)
  openvswitch-switch ethtool iputils-ping nftables  # LACP/CFM peer (userspace ovs-vswitchd); veth offloads; ping; silencing a peer
)
BUILD_DIR=${VSW_BUILD_DIR:-build}
HUGEPAGES=${VSW_HUGEPAGES:-512}        # 2 MiB pages: 1 GiB for vswd and fake guests

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Hugepages: DPDK processes run faster with them; vswd also runs with --no-huge.
if [ "$(cat /proc/sys/vm/nr_hugepages)" -lt "$HUGEPAGES" ]; then
  echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages || echo "setup: warning: cannot reserve hugepages"
fi
if ! grep -qs " /dev/hugepages hugetlbfs " /proc/mounts; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs nodev /dev/hugepages || echo "setup: warning: cannot mount hugetlbfs"
fi
echo "setup: hugepages: $(cat /proc/sys/vm/nr_hugepages) reserved"

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  meson setup "$BUILD_DIR" ${VSW_MESON_ARGS:-}
fi
ninja -C "$BUILD_DIR"
echo "setup: built $BUILD_DIR/src/vswd and $BUILD_DIR/src/vswctl"
