#include "caddyfile/addresses.h"

#include <algorithm>

#include "caddyfile/error.h"

namespace caddyfile {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

ParsedAddress parse_address(const Token& key) {
    ParsedAddress a;
    std::string rest = key.text;
    if (size_t sep = rest.find("://"); sep != std::string::npos) {
        a.scheme = lower(rest.substr(0, sep));
        if (a.scheme != "http" && a.scheme != "https")
            fail(key, "site address " + quoted(key.text) + ": unsupported scheme " + quoted(a.scheme) +
                          " (expected http:// or https://)");
        rest = rest.substr(sep + 3);
    }
    if (size_t slash = rest.find('/'); slash != std::string::npos) {
        a.path = rest.substr(slash);
        rest = rest.substr(0, slash);
    }
    if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
        size_t close = rest.find(']');
        if (close == std::string::npos) fail(key, "site address " + quoted(key.text) + ": missing ']'");
        a.host = rest.substr(0, close + 1);
        std::string after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') fail(key, "site address " + quoted(key.text) + ": expected ':' after ']'");
            a.port = after.substr(1);
        }
    } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
        if (rest.find(':') != colon)
            fail(key, "site address " + quoted(key.text) + ": an IPv6 address must be written in brackets");
        a.host = rest.substr(0, colon);
        a.port = rest.substr(colon + 1);
        if (a.port.empty()) fail(key, "site address " + quoted(key.text) + ": missing port after ':'");
    } else {
        a.host = rest;
    }
    a.host = lower(a.host);
    if (a.host.find_first_of("(){}<>\"'\\ \t,;") != std::string::npos)
        fail(key, "site address " + quoted(key.text) + ": invalid host " + quoted(a.host));
    if (!a.port.empty()) {
        bool digits = std::all_of(a.port.begin(), a.port.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || a.port.size() > 5 || std::stoi(a.port) > 65535)
            fail(key, "site address " + quoted(key.text) + ": invalid port " + quoted(a.port));
    }
    // `http://` and `https://` alone are catch-alls on the scheme's port.
    if (a.host.empty() && a.port.empty() && a.scheme.empty())
        fail(key, "site address " + quoted(key.text) + ": expected a host or a port");
    return a;
}

Address decide_address(const Token& key, const GlobalOptions& global) {
    ParsedAddress p = parse_address(key);
    Address a;
    a.original = key.text;
    a.host = p.host;
    a.path = p.path;
    a.where = {key.file, key.line};
    // A host Caddy would get a certificate for: any name or IP, but not a catch-all.
    bool certifiable = !p.host.empty() && p.host != "*";
    int port = p.port.empty() ? 0 : std::stoi(p.port);
    if (p.scheme.empty()) {
        bool https = port == 0 ? certifiable : port != global.http_port && (port == global.https_port || certifiable);
        if (port == 0) port = https ? global.https_port : global.http_port;
        if (https && global.auto_https == "off") https = false;
        a.scheme = https ? "https" : "http";
    } else {
        a.scheme = p.scheme;
        if (port == 0) port = p.scheme == "https" ? global.https_port : global.http_port;
    }
    a.port = port;
    return a;
}

}  // namespace caddyfile
