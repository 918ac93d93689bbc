#include "src/config/path_policy.h"

#include <catch2/catch.hpp>

using namespace vsw;

TEST_CASE("an entry directly inside the socket directory, lexically") {
    CHECK(is_inside_dir("/run/vsw/vhost/a", "/run/vsw/vhost"));
    CHECK(is_inside_dir("/run/vsw/vhost/a", "/run/vsw/vhost/"));
    CHECK(is_inside_dir("/run/vsw//vhost/./a", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("/run/vsw/vhost/sub/a", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("/run/vsw/vhost/../a", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("/run/vsw/vhostile", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("/run/vsw/vhost", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("/run/vsw/vhost/", "/run/vsw/vhost"));
    CHECK_FALSE(is_inside_dir("relative/a", "relative"));
    CHECK_FALSE(is_inside_dir("", "/run"));
}

TEST_CASE("an entry anywhere below a directory, lexically") {
    CHECK(is_under_dir("/var/lib/vsw/a.pcap", "/var/lib/vsw"));
    CHECK(is_under_dir("/var/lib/vsw/sub/a.pcap", "/var/lib/vsw/"));
    CHECK(is_under_dir("/var/lib/vsw/sub/../a.pcap", "/var/lib/vsw"));
    CHECK(is_under_dir("/etc/passwd", "/"));
    CHECK_FALSE(is_under_dir("/var/lib/vsw/../../../etc/passwd", "/var/lib/vsw"));
    CHECK_FALSE(is_under_dir("/var/lib/vsw", "/var/lib/vsw"));
    CHECK_FALSE(is_under_dir("/var/lib/vsw/", "/var/lib/vsw"));
    CHECK_FALSE(is_under_dir("/var/lib/vswx/a", "/var/lib/vsw"));
    CHECK_FALSE(is_under_dir("/var/lib", "/var/lib/vsw"));
    CHECK_FALSE(is_under_dir("var/lib/vsw/a", "var/lib/vsw"));
    CHECK_FALSE(is_under_dir("/var/lib/vsw/a", ""));
}

TEST_CASE("device arguments may name files only in vswd's own directories") {
    const std::vector<std::string> dirs = {"/run/vsw/vhost", "/var/lib/vsw"};
    CHECK(devargs_path_error("net_af_packet0,iface=eth0", dirs).empty());
    CHECK(devargs_path_error("0000:00:04.0", dirs).empty());
    CHECK(devargs_path_error("net_null0,no-rx=1", dirs).empty());
    CHECK(devargs_path_error("net_pcap0,rx_pcap=/var/lib/vsw/in.pcap,tx_pcap=/var/lib/vsw/out.pcap",
                             dirs)
              .empty());
    CHECK(devargs_path_error("net_vhost0,iface=/run/vsw/vhost/x.sock", dirs).empty());
    CHECK_THAT(devargs_path_error("net_pcap0,tx_pcap=/etc/cron.d/evil", dirs),
               Catch::Contains("refusing '/etc/cron.d/evil'") &&
                   Catch::Contains("/run/vsw/vhost or /var/lib/vsw"));
    CHECK_THAT(devargs_path_error("net_pcap0,tx_pcap=/var/lib/vsw/../../../etc/x", dirs),
               Catch::Contains("refusing"));
    CHECK_THAT(devargs_path_error("net_pcap0,tx_pcap=relative/out.pcap", dirs),
               Catch::Contains("refusing"));
    CHECK_THAT(devargs_path_error("net_virtio_user0,path=/tmp/x.sock,server=1", dirs),
               Catch::Contains("refusing"));
    CHECK_THAT(devargs_path_error("net_ring0,nodeaction=/x", dirs), Catch::Contains("refusing"));
}
