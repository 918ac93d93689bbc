// A fresh private directory under /tmp for one test case (removed by the caller).
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

namespace vsw::testing {

inline std::filesystem::path temp_dir(const std::string& name) {
    std::string tmpl = "/tmp/vsw-" + name + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()));
    return tmpl;
}

}  // namespace vsw::testing
