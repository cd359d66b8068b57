#include "caddyfile/filesystem.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace caddyfile {

namespace fs = std::filesystem;

namespace {

class RealFileSystem : public FileSystem {
public:
    bool exists(const std::string& path) const override {
        std::error_code ec;
        return fs::is_regular_file(path, ec);
    }
    std::optional<std::string> read(const std::string& path) const override {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) return std::nullopt;
        std::ifstream in(path, std::ios::binary);
        if (!in) return std::nullopt;
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::vector<std::string> list(const std::string& dir) const override {
        std::vector<std::string> names;
        std::error_code ec;
        for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
        return names;
    }
};

std::string normal(const std::string& p) { return fs::path(p).lexically_normal().string(); }

}  // namespace

const FileSystem& real_filesystem() {
    static const RealFileSystem instance;
    return instance;
}

void MemoryFileSystem::add(const std::string& path, std::string content) { files_[normal(path)] = std::move(content); }

bool MemoryFileSystem::exists(const std::string& path) const { return files_.count(normal(path)) > 0; }

std::optional<std::string> MemoryFileSystem::read(const std::string& path) const {
    auto it = files_.find(normal(path));
    if (it == files_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::string> MemoryFileSystem::list(const std::string& dir) const {
    std::vector<std::string> names;
    fs::path d = fs::path(dir.empty() ? "." : dir).lexically_normal();
    for (const auto& [path, _] : files_) {
        fs::path p(path);
        fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
        if (parent == d) names.push_back(p.filename().string());
    }
    return names;
}

std::string join_path(const std::string& dir, const std::string& rel) {
    if (dir.empty() || fs::path(rel).is_absolute()) return normal(rel);
    return normal((fs::path(dir) / rel).string());
}

std::string parent_dir(const std::string& path) { return fs::path(path).parent_path().string(); }

}  // namespace caddyfile
