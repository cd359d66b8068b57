// The `log` directive end to end: `pogo run` with a site logging to a file through Caddy's
// `filter` encoder, real requests carrying secrets in the query, the Authorization header and
// cookies, then the access log file read back: the secrets are redacted, and the file rolls into
// a gzipped backup once it passes roll_size.
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/e2e/common.h"
#include "tests/support/gunzip.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

std::vector<json> log_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

std::vector<fs::path> gz_backups(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::string name = e.path().filename().string();
        if (name.rfind("access-", 0) == 0 && name.size() > 7 && name.substr(name.size() - 7) == ".log.gz")
            out.push_back(e.path());
    }
    return out;
}

}  // namespace

TEST_CASE("log: the filter encoder redacts query, headers, cookies and the client address; the file rolls") {
    TempDir tmp;
    const int port = free_port();
    const fs::path logs = tmp / "logs";  // created by pogo, as Caddy creates a log's directory
    // log_credentials: the cookie filters see the real values (without it they are "REDACTED").
    write_file(tmp / "Caddyfile", "{\n\tservers {\n\t\tlog_credentials\n\t}\n}\nhttp://127.0.0.1:" +
                                      std::to_string(port) + R"( {
	header Set-Cookie "session=server-secret; Path=/; HttpOnly"
	respond "ok"
	log {
		output file )" + (logs / "access.log").string() + R"( {
			roll_size 1MiB
			roll_keep 2
			roll_keep_for 720h
		}
		format filter {
			wrap json
			fields {
				request>uri query {
					replace authorization REDACTED
				}
				request>headers>Authorization delete
				request>headers>Cookie cookie {
					replace session REDACTED
					delete secret
				}
				request>remote_ip ip_mask {
					ipv4 24
					ipv6 32
				}
			}
			resp_headers>Set-Cookie set_cookie {
				replace session REDACTED
			}
			request>headers>X-Pad hash
		}
	}
}
)");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    HttpClient client;

    Response r = client.get(base + "/?authorization=secret&x=1",
                            {"Authorization: Bearer topsecret", "Cookie: session=abc123; secret=zzz; theme=dark"});
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    const fs::path file = logs / "access.log";
    REQUIRE(poll_until([&] { return fs::exists(file) && !read_file(file).empty(); }));
    const json entry = log_lines(read_file(file)).at(0);
    CAPTURE(entry.dump());
    CHECK(entry["msg"] == "handled request");
    CHECK(entry["status"] == 200);
    CHECK(entry["request"]["uri"] == "/?authorization=REDACTED&x=1");
    CHECK_FALSE(entry["request"]["headers"].contains("Authorization"));
    CHECK(entry["request"]["headers"]["Cookie"] == json::array({"session=REDACTED; theme=dark"}));
    CHECK(entry["request"]["remote_ip"] == "127.0.0.0");
    CHECK(entry["request"]["client_ip"] == "127.0.0.1");  // no filter on it
    CHECK(entry["resp_headers"]["Set-Cookie"] == json::array({"session=REDACTED; Path=/; HttpOnly"}));
    const std::string raw = read_file(file);
    CHECK(raw.find("secret&") == std::string::npos);
    CHECK(raw.find("topsecret") == std::string::npos);
    CHECK(raw.find("abc123") == std::string::npos);
    CHECK(raw.find("zzz") == std::string::npos);
    CHECK(raw.find("server-secret") == std::string::npos);

    // About 8 KB per line (a long query string, logged in the URI): 150 requests pass 1 MiB and
    // roll the file into a gzipped backup.
    const std::string pad(8000, 'p');
    for (int i = 0; i < 150; ++i) {
        Response rr = client.get(base + "/pad?authorization=secret&n=" + std::to_string(i) + "&pad=" + pad);
        REQUIRE_MESSAGE(rr.status == 200, rr.describe());
    }
    // The line is written as the exchange ends, which may be just after the client has its response.
    REQUIRE(poll_until([&] { return !gz_backups(logs).empty() && read_file(file).find("n=149") != std::string::npos; }));
    const auto backups = gz_backups(logs);
    CHECK(backups.size() == 1);
    // The backup is complete gzip (renamed into place only when written) of whole, filtered lines.
    std::string unzipped;
    REQUIRE(poll_until([&] {
        unzipped = pogo::test::gunzip(read_file(gz_backups(logs).at(0)));
        return unzipped != "<not gzip>";
    }));
    const auto rolled = log_lines(unzipped);
    CHECK(rolled.size() > 100);
    CHECK(rolled.front()["request"]["uri"] == "/?authorization=REDACTED&x=1");
    CHECK(unzipped.size() <= (1u << 20));
    CHECK(unzipped.find("authorization=secret") == std::string::npos);
    const auto current = log_lines(read_file(file));
    CHECK(!current.empty());
    CHECK(current.back()["request"]["uri"].get<std::string>().find("n=149") != std::string::npos);
    CHECK(rolled.size() + current.size() == 151);
}

TEST_CASE("log: without log_credentials, Cookie, Authorization and Set-Cookie values are REDACTED") {
    TempDir tmp;
    const int port = free_port();
    const fs::path file = tmp / "access.log";
    write_file(tmp / "Caddyfile", "http://127.0.0.1:" + std::to_string(port) + R"( {
	header Set-Cookie "session=server-secret; Path=/"
	respond "ok"
	log {
		output file )" + file.string() + R"(
	}
}
)");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient client;
    Response r = client.get("http://127.0.0.1:" + std::to_string(port) + "/",
                            {"Authorization: Bearer topsecret", "Proxy-Authorization: Basic eHh4",
                             "Cookie: session=abc123", "X-Other: visible"});
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    REQUIRE(poll_until([&] { return fs::exists(file) && !read_file(file).empty(); }));
    const json entry = log_lines(read_file(file)).at(0);
    CAPTURE(entry.dump());
    CHECK(entry["request"]["headers"]["Authorization"] == json::array({"REDACTED"}));
    CHECK(entry["request"]["headers"]["Proxy-Authorization"] == json::array({"REDACTED"}));
    CHECK(entry["request"]["headers"]["Cookie"] == json::array({"REDACTED"}));
    CHECK(entry["request"]["headers"]["X-Other"] == json::array({"visible"}));
    CHECK(entry["resp_headers"]["Set-Cookie"] == json::array({"REDACTED"}));
}
