// mercure [matcher] { publisher_jwt KEY [ALG]; subscriber_jwt KEY [ALG]; anonymous; subscriptions;
//   publish_origins ...; cors_origins ...; heartbeat D; write_timeout D; dispatch_timeout D;
//   transport local | transport bolt { path P; size N; bucket_name B; cleanup_frequency F };
//   transport_url local://local | bolt:///path?size=N; cache_size_approx N; demo [path] }
// The options of Caddy's mercure module (the reference hub's), as symfony-docker and API Platform
// write them. What Pogo's hub cannot honour (JWKS URLs, other transports) is refused at its line.
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

const char* const kAlgs[] = {"HS256", "HS384", "HS512", "RS256", "RS512", "ES256"};

void jwt_option(SegmentReader& s, std::string* key, std::string* alg) {
    s.no_block();
    s.expect_args(1, 2);
    *key = s.text(0);
    *alg = s.size() > 1 ? s.text(1) : "";
    // A placeholder ({env.MERCURE_PUBLISHER_JWT_ALG}) is checked when the hub starts.
    if (!alg->empty() && alg->find('{') == std::string::npos) {
        for (const char* a : kAlgs)
            if (*alg == a) return;
        fail(s[1], "mercure " + s.name().text + ": unsupported algorithm " + quoted(*alg) +
                       " (expected HS256, HS384, HS512, RS256, RS512 or ES256)");
    }
}

uint64_t digits(const Token& t, const std::string& text, const std::string& what) {
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        fail(t, what + ": expected a number, got " + quoted(text));
    return std::stoull(text);
}

// transport_url local://local | bolt:///absolute/path.db?size=N&cleanup_frequency=F
void transport_url(const Token& t, MercureSpec& spec) {
    const std::string& url = t.text;
    if (url == "local://" || url.rfind("local://", 0) == 0) {
        spec.transport = "local";
        return;
    }
    if (url.rfind("bolt://", 0) != 0)
        fail(t, "mercure transport_url: unsupported transport " + quoted(url) + " (Pogo's hub has local:// and bolt://)");
    std::string rest = url.substr(7);
    std::string query;
    if (size_t q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest.resize(q);
    }
    spec.transport = "bolt";
    spec.transport_path = rest;
    size_t pos = 0;
    while (pos < query.size()) {
        size_t amp = query.find('&', pos);
        std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        pos = amp == std::string::npos ? query.size() : amp + 1;
        size_t eq = kv.find('=');
        std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (k == "size") spec.history_size = digits(t, v, "mercure transport_url size");
        else if (k == "cleanup_frequency" || k == "bucket_name") continue;  // Bolt's own housekeeping
        else fail(t, "mercure transport_url: unknown parameter " + quoted(k));
    }
}

void transport_block(SegmentReader& s, MercureSpec& spec) {
    s.expect_args(1, 1);
    const std::string& name = s.text(0);
    if (name != "local" && name != "bolt")
        fail(s[0], "mercure transport: unsupported transport " + quoted(name) + " (Pogo's hub has local and bolt)");
    spec.transport = name;
    for (const Segment& sub : s.block()) {
        SegmentReader o(sub);
        const std::string& n = o.name().text;
        if (name == "local") unknown_subdirective(sub, "mercure transport local");
        o.no_block();
        if (n == "path") {
            o.expect_args(1, 1);
            spec.transport_path = o.text(0);
        } else if (n == "size") {
            o.expect_args(1, 1);
            spec.history_size = digits(o[0], o.text(0), "mercure transport bolt size");
        } else if (n == "bucket_name" || n == "cleanup_frequency") {
            o.expect_args(1, 1);  // Bolt's own layout and housekeeping: nothing to do in Pogo's file
        } else {
            unknown_subdirective(sub, "mercure transport bolt");
        }
    }
}

}  // namespace

HandlerSpec mercure(DirectiveInput& in) {
    MercureSpec spec;
    in.args.expect_args(0, 0);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "transport") {
            transport_block(s, spec);
            continue;
        }
        s.no_block();
        if (n == "publisher_jwt") {
            jwt_option(s, &spec.publisher_key, &spec.publisher_alg);
        } else if (n == "subscriber_jwt") {
            jwt_option(s, &spec.subscriber_key, &spec.subscriber_alg);
        } else if (n == "anonymous") {
            s.expect_args(0, 0);
            spec.anonymous = true;
        } else if (n == "subscriptions") {
            s.expect_args(0, 0);
            spec.subscriptions = true;
        } else if (n == "publish_origins" || n == "cors_origins") {
            s.expect_args(1, 1000);
            auto& list = n == "publish_origins" ? spec.publish_origins : spec.cors_origins;
            for (auto& o : s.texts()) list.push_back(o);
        } else if (n == "heartbeat" || n == "write_timeout" || n == "dispatch_timeout") {
            s.expect_args(1, 1);
            Duration d = parse_duration(s[0], "mercure " + n);
            if (d.count() < 0) fail(s[0], "mercure " + n + ": must not be negative");
            (n == "heartbeat" ? spec.heartbeat : n == "write_timeout" ? spec.write_timeout : spec.dispatch_timeout) = d;
        } else if (n == "transport_url") {
            s.expect_args(1, 1);
            transport_url(s[0], spec);
        } else if (n == "cache_size_approx") {
            s.expect_args(1, 1);
            spec.cache_size_approx = digits(s[0], s.text(0), "mercure cache_size_approx");
        } else if (n == "demo") {
            s.expect_args(0, 1);
            spec.demo = true;
        } else if (n == "publisher_jwks_url" || n == "subscriber_jwks_url") {
            fail(s.name(), "mercure " + n + ": keys fetched from a JWKS URL are not supported by Pogo; give the key itself");
        } else if (n == "ui") {
            fail(s.name(), "mercure ui: Pogo's hub has no debugging UI");
        } else if (n == "protocol_version_compatibility") {
            fail(s.name(), "mercure protocol_version_compatibility: Pogo's hub speaks the current protocol only");
        } else {
            unknown_subdirective(sub, "mercure");
        }
    }
    return spec;
}

}  // namespace caddyfile::directives
