// The command line of vsw's programs (vswd, vsw-libvirt, vsw-evpn) handled alike: --help and
// --version, and a mistake reported as "PROGRAM: what (see PROGRAM --help)" with exit status 2.
// Header only: the programs link Boost.Program_options, the libraries they share do not.
#pragma once

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "vsw_version.h"

namespace vsw {

// Adds --help and --version to `desc`.
inline void add_standard_options(boost::program_options::options_description& desc) {
    desc.add_options()("help,h", "show this help")("version", "print the version");
}

// Parses the command line into `vm` (and the variables `desc` binds). Returns nothing when the
// program should go on, or the exit status to stop with now: 0 after --help or --version, 2 for
// a mistake (reported on standard error).
inline std::optional<int> parse_command_line(
    const char* program, int argc, char** argv,
    const boost::program_options::options_description& desc,
    boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << " (see " << program << " --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << desc << "\n";
        return 0;
    }
    if (vm.count("version")) {
        std::cout << program << " " VSW_VERSION "\n";
        return 0;
    }
    return std::nullopt;
}

// Reports a bad option value; returns the exit status 2.
inline int usage_error(const char* program, const std::string& what) {
    std::cerr << program << ": " << what << "\n";
    return 2;
}

}  // namespace vsw
