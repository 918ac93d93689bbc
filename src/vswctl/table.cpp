#include "src/vswctl/table.h"

#include <algorithm>
#include <cctype>

namespace vsw::ctl {
namespace {

bool numeric(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
    });
}

}  // namespace

std::string Table::render() const {
    std::vector<size_t> width;
    for (const auto& r : rows_)
        for (size_t i = 0; i < r.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], r[i].size());
        }
    std::string out;
    for (size_t ri = 0; ri < rows_.size(); ++ri) {
        const auto& r = rows_[ri];
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) {
            std::string pad(width[i] - r[i].size(), ' ');
            bool right = ri > 0 && numeric(r[i]);
            line += right ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : "");
            if (i + 1 < r.size()) line += "  ";
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace vsw::ctl
