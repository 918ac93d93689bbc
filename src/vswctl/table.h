// Aligned text tables for vswctl's human-readable output.
#pragma once

#include <string>
#include <vector>

namespace vsw::ctl {

class Table {
  public:
    explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Columns padded to their widest cell; numbers are right-aligned.
    std::string render() const;

  private:
    std::vector<std::vector<std::string>> rows_;  // header first
};

}  // namespace vsw::ctl
