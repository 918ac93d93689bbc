// The registration of every feature's vswctl commands (cli.h), in the order the help lists
// them. A new feature adds its add_*_cli function here.
#include "src/vswctl/cli.h"

namespace vsw::ctl {

void add_switch_cli(CliTable& t);         // show, stats, add-port, del-port, set-port, set, fdb
void add_top_cli(CliTable& t);            // top
void add_capture_cli(CliTable& t);        // capture
void add_mirror_cli(CliTable& t);         // mirror add|del|show
void add_ipfix_cli(CliTable& t);          // ipfix set|del|show
void add_sflow_cli(CliTable& t);          // sflow set|del|show
void add_vxlan_cli(CliTable& t);          // vxlan ...
void add_port_security_cli(CliTable& t);  // port-security show
void add_libvirt_xml_cli(CliTable& t);    // libvirt-xml
void add_bond_cli(CliTable& t);           // bond show
void add_cfm_cli(CliTable& t);            // cfm show
void add_acl_cli(CliTable& t);            // acl ..., conntrack show|set|flush

CliTable all_commands() {
    CliTable t;
    for (auto add : {add_switch_cli, add_top_cli, add_capture_cli, add_mirror_cli, add_ipfix_cli,
                     add_sflow_cli, add_vxlan_cli, add_port_security_cli, add_bond_cli, add_cfm_cli,
                     add_acl_cli, add_libvirt_xml_cli})
        add(t);
    return t;
}

}  // namespace vsw::ctl
