// The files a Caddyfile reaches (imports, worker scripts) are read through this interface, so tests
// and the fuzzer can run on files held in memory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace caddyfile {

class FileSystem {
public:
    virtual ~FileSystem() = default;
    virtual bool exists(const std::string& path) const = 0;            // a regular file
    virtual std::optional<std::string> read(const std::string& path) const = 0;
    virtual std::vector<std::string> list(const std::string& dir) const = 0;  // regular files' names
};

const FileSystem& real_filesystem();

class MemoryFileSystem : public FileSystem {
public:
    void add(const std::string& path, std::string content);
    bool exists(const std::string& path) const override;
    std::optional<std::string> read(const std::string& path) const override;
    std::vector<std::string> list(const std::string& dir) const override;

private:
    std::map<std::string, std::string> files_;  // keyed by lexically normal path
};

// `dir/rel` (rel unchanged when absolute or dir empty), lexically normalized.
std::string join_path(const std::string& dir, const std::string& rel);
std::string parent_dir(const std::string& path);

}  // namespace caddyfile
