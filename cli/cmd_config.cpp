#include "cli/cmd_config.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "caddyfile/formatter.h"
#include "caddyfile/load.h"

namespace pogo::cli {

namespace {

struct Usage {
    std::string message;
};

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// Every line, prefixed "- " (only in a), "+ " (only in b) or "  " (both), in order.
void print_diff(const std::string& a_text, const std::string& b_text, std::ostream& out) {
    std::vector<std::string> a = split_lines(a_text), b = split_lines(b_text);
    size_t n = a.size(), m = b.size();
    if (n * m > 25'000'000) {  // too big for the table: show a full replacement
        for (const auto& l : a) out << "- " << l << "\n";
        for (const auto& l : b) out << "+ " << l << "\n";
        return;
    }
    std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out << "  " << a[i++] << "\n";
            ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out << "- " << a[i++] << "\n";
        } else {
            out << "+ " << b[j++] << "\n";
        }
    }
}

struct ConfigArgs {
    std::string config = "Caddyfile";
    std::string envfile;
    bool pretty = false;
};

ConfigArgs parse_config_args(const std::vector<std::string>& args, bool allow_pretty) {
    ConfigArgs out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw Usage{a + " needs a value"};
            return args[++i];
        };
        if (a == "--config" || a == "-c") out.config = value();
        else if (a.rfind("--config=", 0) == 0) out.config = a.substr(9);
        else if (a == "--envfile") out.envfile = value();
        else if (a == "--adapter") {
            if (value() != "caddyfile") throw Usage{"only the caddyfile adapter is supported"};
        } else if (a == "--pretty" && allow_pretty) out.pretty = true;
        else throw Usage{"unknown argument \"" + a + "\""};
    }
    return out;
}

// KEY=VALUE lines (optionally `export KEY=...`, quoted values, # comments) override the environment.
caddyfile::LoadOptions load_options(const ConfigArgs& a) {
    caddyfile::LoadOptions o;
    if (a.envfile.empty()) return o;
    std::string text;
    if (!read_file(a.envfile, text)) throw caddyfile::Error(a.envfile, 0, "cannot read the environment file");
    std::map<std::string, std::string> vars;
    int number = 0;
    for (std::string line : split_lines(text)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') continue;
        line = line.substr(start);
        if (line.rfind("export ", 0) == 0) line = line.substr(7);
        size_t eq = line.find('=');
        if (eq == std::string::npos || eq == 0) throw caddyfile::Error(a.envfile, number, "expected KEY=VALUE");
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        vars[line.substr(0, eq)] = value;
    }
    o.env = [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it != vars.end()) return it->second;
        return caddyfile::process_env(name);
    };
    return o;
}

void print_warnings(const caddyfile::Config& c, std::ostream& err) {
    for (const caddyfile::Warning& w : c.warnings) err << "warning: " << w.str() << "\n";
}

}  // namespace

int run_fmt(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
    std::string file;
    bool overwrite = false, diff = false;
    for (const std::string& a : args) {
        if (a == "--overwrite" || a == "-w") overwrite = true;
        else if (a == "--diff") diff = true;
        else if (a.size() > 1 && a[0] == '-') {
            err << "pogo fmt: unknown argument \"" << a << "\"\nusage: pogo fmt [FILE|-] [--overwrite] [--diff]\n";
            return 2;
        } else if (file.empty()) file = a;
        else {
            err << "pogo fmt: only one file may be given\n";
            return 2;
        }
    }
    if (file.empty()) file = "Caddyfile";
    if (file == "-" && overwrite) {
        err << "pogo fmt: --overwrite needs a file, not standard input\n";
        return 2;
    }
    std::string input;
    if (file == "-") {
        std::ostringstream ss;
        ss << in.rdbuf();
        input = ss.str();
    } else if (!read_file(file, input)) {
        err << "pogo fmt: cannot read " << file << "\n";
        return 1;
    }
    std::string formatted;
    try {
        formatted = caddyfile::format(input, file == "-" ? "<stdin>" : file);
    } catch (const caddyfile::Error& e) {
        err << e.what() << "\n";
        return 1;
    }
    const bool changed = formatted != input;
    if (overwrite) {
        if (changed) {
            std::ofstream o(file, std::ios::binary | std::ios::trunc);
            if (!(o << formatted)) {
                err << "pogo fmt: cannot write " << file << "\n";
                return 1;
            }
        }
        return 0;
    }
    if (diff)
        print_diff(input, formatted, out);
    else
        out << formatted;
    return changed ? 1 : 0;
}

int run_adapt(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        ConfigArgs a = parse_config_args(args, true);
        caddyfile::Config c = caddyfile::load_config(a.config, load_options(a));
        print_warnings(c, err);
        out << caddyfile::to_json(c).dump(a.pretty ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return 0;
    } catch (const Usage& u) {
        err << "pogo adapt: " << u.message << "\nusage: pogo adapt [--config FILE] [--pretty] [--envfile FILE]\n";
        return 2;
    } catch (const caddyfile::Error& e) {
        err << e.what() << "\n";
        return 1;
    }
}

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        ConfigArgs a = parse_config_args(args, false);
        caddyfile::Config c = caddyfile::load_config(a.config, load_options(a));
        print_warnings(c, err);
        out << "Valid configuration\n";
        return 0;
    } catch (const Usage& u) {
        err << "pogo validate: " << u.message << "\nusage: pogo validate [--config FILE] [--envfile FILE]\n";
        return 2;
    } catch (const caddyfile::Error& e) {
        err << e.what() << "\n";
        return 1;
    }
}

int cmd_fmt(const std::vector<std::string>& args) { return run_fmt(args, std::cin, std::cout, std::cerr); }
int cmd_adapt(const std::vector<std::string>& args) { return run_adapt(args, std::cout, std::cerr); }
int cmd_validate(const std::vector<std::string>& args) { return run_validate(args, std::cout, std::cerr); }

}  // namespace pogo::cli
