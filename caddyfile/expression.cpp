#include "caddyfile/expression.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace caddyfile::cel {

namespace {

[[noreturn]] void error(const std::string& message) { throw ExpressionError("expression matcher: " + message); }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---- tokens ----

struct Tok {
    enum class Kind { end, string, integer, ident, placeholder, op };
    Kind kind = Kind::end;
    std::string text;  // the string's value, the identifier, the placeholder name, the operator
    int64_t number = 0;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    Tok next() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        Tok t;
        if (pos_ >= s_.size()) return t;
        char c = s_[pos_];
        if (c == '{' && placeholder(t)) return t;
        bool raw = (c == 'r' || c == 'R') && pos_ + 1 < s_.size() && (s_[pos_ + 1] == '\'' || s_[pos_ + 1] == '"');
        if (raw) ++pos_;
        if (s_[pos_] == '\'' || s_[pos_] == '"') return string(raw);
        if (std::isdigit(static_cast<unsigned char>(c))) return integer();
        if (ident_start(c)) {
            size_t start = pos_;
            while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
            t.kind = Tok::Kind::ident;
            t.text = std::string(s_.substr(start, pos_ - start));
            return t;
        }
        static const char* two[] = {"&&", "||", "==", "!=", "<=", ">="};
        for (const char* op : two)
            if (s_.substr(pos_, 2) == op) {
                pos_ += 2;
                return {Tok::Kind::op, op, 0};
            }
        if (std::string_view("!<>()[]{},:.?+-*/%").find(c) != std::string_view::npos) {
            ++pos_;
            return {Tok::Kind::op, std::string(1, c), 0};
        }
        error("unexpected character " + quote(std::string(1, c)));
    }

private:
    // Caddy rewrites `{name}` (a letter, then letters, digits, '_', '.', '-') into a placeholder
    // lookup before CEL sees the text; any other '{' opens a map.
    bool placeholder(Tok& t) {
        size_t i = pos_ + 1;
        if (i >= s_.size() || !std::isalpha(static_cast<unsigned char>(s_[i]))) return false;
        while (i < s_.size() && (ident_char(s_[i]) || s_[i] == '.' || s_[i] == '-')) ++i;
        if (i >= s_.size() || s_[i] != '}') return false;
        t.kind = Tok::Kind::placeholder;
        t.text = std::string(s_.substr(pos_ + 1, i - pos_ - 1));
        pos_ = i + 1;
        return true;
    }

    Tok string(bool raw) {
        char q = s_[pos_];
        bool triple = s_.substr(pos_, 3) == std::string(3, q);
        pos_ += triple ? 3 : 1;
        Tok t;
        t.kind = Tok::Kind::string;
        for (;;) {
            if (pos_ >= s_.size()) error("unterminated string literal");
            char c = s_[pos_];
            if (triple ? s_.substr(pos_, 3) == std::string(3, q) : c == q) {
                pos_ += triple ? 3 : 1;
                return t;
            }
            if (!triple && c == '\n') error("unterminated string literal");
            if (c == '\\' && !raw) {
                escape(t.text);
                continue;
            }
            t.text += c;
            ++pos_;
        }
    }

    void escape(std::string& out) {
        if (pos_ + 1 >= s_.size()) error("unterminated string literal");
        char e = s_[pos_ + 1];
        pos_ += 2;
        switch (e) {
            case 'n': out += '\n'; return;
            case 't': out += '\t'; return;
            case 'r': out += '\r'; return;
            case 'a': out += '\a'; return;
            case 'b': out += '\b'; return;
            case 'f': out += '\f'; return;
            case 'v': out += '\v'; return;
            case '\\': case '\'': case '"': case '`': case '?': out += e; return;
            case 'x': case 'u': case 'U': {
                size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                uint32_t cp = 0;
                for (size_t i = 0; i < n; ++i) {
                    int d = pos_ < s_.size() ? hex_digit(s_[pos_]) : -1;
                    if (d < 0) error("invalid \\" + std::string(1, e) + " escape in a string literal");
                    cp = cp * 16 + static_cast<uint32_t>(d);
                    ++pos_;
                }
                if (e == 'x') out += static_cast<char>(cp);
                else append_utf8(out, cp);
                return;
            }
            default:
                error("invalid escape \\" + std::string(1, e) + " in a string literal");
        }
    }

    Tok integer() {
        size_t start = pos_;
        int base = 10;
        if (s_.substr(pos_, 2) == "0x" || s_.substr(pos_, 2) == "0X") {
            base = 16;
            pos_ += 2;
        }
        int64_t v = 0;
        size_t digits = 0;
        while (pos_ < s_.size()) {
            int d = hex_digit(s_[pos_]);
            if (d < 0 || d >= base) break;
            if (v > (INT64_MAX - d) / base) error("integer literal out of range");
            v = v * base + d;
            ++pos_;
            ++digits;
        }
        if (digits == 0) error("invalid integer literal");
        if (pos_ < s_.size() && (s_[pos_] == 'u' || s_[pos_] == 'U')) ++pos_;  // unsigned suffix
        if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E') && pos_ + 1 < s_.size() &&
            std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))
            error("floating-point numbers are not supported (" + std::string(s_.substr(start, pos_ + 2 - start)) + "...)");
        return {Tok::Kind::integer, std::string(s_.substr(start, pos_ - start)), v};
    }

    std::string_view s_;
    size_t pos_ = 0;
};

// ---- parser: CEL's precedence, lowest first: ?:, ||, &&, relations, (arithmetic), unary, member ----

const std::set<std::string, std::less<>> kMethods = {"startsWith", "endsWith", "contains", "matches"};
const std::set<std::string, std::less<>> kMatcherFunctions = {
    "path", "path_regexp", "host", "method", "query", "header", "header_regexp", "protocol",
    "remote_ip", "client_ip", "vars", "vars_regexp", "file",
};

class Parser {
public:
    explicit Parser(std::string_view text) : lex_(text) { advance(); }

    Node parse() {
        Node n = expr();
        if (tok_.kind != Tok::Kind::end) error("unexpected " + describe(tok_) + " after the expression");
        return n;
    }

private:
    static std::string describe(const Tok& t) {
        switch (t.kind) {
            case Tok::Kind::end: return "end of expression";
            case Tok::Kind::string: return "string " + quote(t.text);
            case Tok::Kind::placeholder: return "placeholder {" + t.text + "}";
            default: return quote(t.text);
        }
    }

    void advance() { tok_ = lex_.next(); }
    bool is_op(std::string_view op) const { return tok_.kind == Tok::Kind::op && tok_.text == op; }
    void expect(std::string_view op) {
        if (!is_op(op)) error("expected " + quote(op) + ", got " + describe(tok_));
        advance();
    }

    static Node binary(Node::Kind kind, Node l, Node r, std::string text = {}) {
        Node n;
        n.kind = kind;
        n.text = std::move(text);
        n.children.push_back(std::move(l));
        n.children.push_back(std::move(r));
        return n;
    }

    // Nesting is bounded so that no configuration (or fuzzer) exhausts the stack.
    struct Depth {
        explicit Depth(int& d) : d_(d) {
            if (++d_ > 200) error("expression nested too deeply");
        }
        ~Depth() { --d_; }
        int& d_;
    };

    Node expr() {
        Depth guard(depth_);
        Node cond = or_expr();
        if (!is_op("?")) return cond;
        advance();
        Node then = or_expr();
        expect(":");
        Node otherwise = expr();
        Node n;
        n.kind = Node::Kind::conditional;
        n.children = {std::move(cond), std::move(then), std::move(otherwise)};
        return n;
    }

    Node or_expr() {
        Node l = and_expr();
        while (is_op("||")) {
            advance();
            l = binary(Node::Kind::logical_or, std::move(l), and_expr());
        }
        return l;
    }

    Node and_expr() {
        Node l = relation();
        while (is_op("&&")) {
            advance();
            l = binary(Node::Kind::logical_and, std::move(l), relation());
        }
        return l;
    }

    Node relation() {
        Node l = arithmetic();
        for (;;) {
            if (tok_.kind == Tok::Kind::ident && tok_.text == "in") {
                advance();
                l = binary(Node::Kind::in, std::move(l), arithmetic());
                continue;
            }
            static const std::set<std::string, std::less<>> ops = {"==", "!=", "<", "<=", ">", ">="};
            if (tok_.kind != Tok::Kind::op || !ops.count(tok_.text)) return l;
            std::string op = tok_.text;
            advance();
            l = binary(Node::Kind::compare, std::move(l), arithmetic(), op);
        }
    }

    // CEL's + - * / % : refused, by name, rather than read as something else.
    Node arithmetic() {
        Node l = unary();
        if (tok_.kind == Tok::Kind::op && std::string_view("+-*/%").find(tok_.text) != std::string_view::npos &&
            tok_.text.size() == 1)
            error("unsupported operator " + quote(tok_.text) + " (Pogo evaluates no arithmetic)");
        return l;
    }

    Node unary() {
        Depth guard(depth_);
        if (is_op("!")) {
            advance();
            Node n;
            n.kind = Node::Kind::logical_not;
            n.children.push_back(unary());
            return n;
        }
        if (is_op("-")) {  // a negative integer literal, nothing else
            advance();
            if (tok_.kind != Tok::Kind::integer) error("unsupported operator \"-\" (Pogo evaluates no arithmetic)");
            Node n = primary();
            n.number = -n.number;
            return n;
        }
        return member(primary());
    }

    Node member(Node target) {
        for (;;) {
            if (is_op("[")) error("unsupported operator \"[]\" (indexing)");
            if (!is_op(".")) return target;
            advance();
            if (tok_.kind != Tok::Kind::ident) error("expected a method name after \".\", got " + describe(tok_));
            std::string name = tok_.text;
            advance();
            if (!is_op("(")) error("unsupported field selection " + quote("." + name));
            if (!kMethods.count(name)) error("unsupported function " + quote(name));
            std::vector<Node> args = arguments();
            if (args.size() != 1) error(name + "() takes one argument, got " + std::to_string(args.size()));
            Node n;
            n.kind = Node::Kind::method;
            n.text = name;
            n.children.push_back(std::move(target));
            n.children.push_back(std::move(args[0]));
            target = std::move(n);
        }
    }

    std::vector<Node> arguments() {
        expect("(");
        std::vector<Node> args;
        if (is_op(")")) {
            advance();
            return args;
        }
        for (;;) {
            args.push_back(expr());
            if (is_op(")")) break;
            expect(",");
        }
        advance();
        return args;
    }

    Node primary() {
        Node n;
        switch (tok_.kind) {
            case Tok::Kind::end:
                error("unexpected end of expression");
            case Tok::Kind::string:
                n.kind = Node::Kind::string;
                n.text = tok_.text;
                advance();
                return n;
            case Tok::Kind::integer:
                n.kind = Node::Kind::integer;
                n.number = tok_.number;
                advance();
                return n;
            case Tok::Kind::placeholder:
                n.kind = Node::Kind::placeholder;
                n.text = tok_.text;
                advance();
                return n;
            case Tok::Kind::ident:
                return identifier();
            case Tok::Kind::op:
                break;
        }
        if (is_op("(")) {
            advance();
            n = expr();
            expect(")");
            return n;
        }
        if (is_op("[")) {
            advance();
            n.kind = Node::Kind::list;
            while (!is_op("]")) {
                n.children.push_back(expr());
                if (!is_op("]")) expect(",");
            }
            advance();
            return n;
        }
        if (is_op("{")) {
            advance();
            n.kind = Node::Kind::map;
            while (!is_op("}")) {
                n.children.push_back(expr());
                expect(":");
                n.children.push_back(expr());
                if (!is_op("}")) expect(",");
            }
            advance();
            return n;
        }
        error("unexpected " + describe(tok_));
    }

    Node identifier() {
        std::string name = tok_.text;
        advance();
        Node n;
        if (!is_op("(")) {
            if (name == "true" || name == "false") {
                n.kind = Node::Kind::boolean;
                n.number = name == "true";
                return n;
            }
            if (name == "null") return n;
            error("unknown name " + quote(name) + " (write placeholders in braces: {http.request.uri.path})");
        }
        if (!kMatcherFunctions.count(name) && name != "matches") error("unsupported function " + quote(name));
        n.kind = Node::Kind::call;
        n.text = name;
        n.children = arguments();
        if (name == "matches") {
            if (n.children.size() != 2) error("matches() takes two arguments, got " + std::to_string(n.children.size()));
        } else {
            matcher_call_set(n, "expression");  // its arguments are checked now, not per request
        }
        return n;
    }

    Lexer lex_;
    Tok tok_;
    int depth_ = 0;
};

// ---- matcher function arguments ----

// A string literal; a placeholder stands for itself (`{path}`), resolved where the matcher
// resolves placeholders.
bool as_string(const Node& n, std::string& out) {
    if (n.kind == Node::Kind::string) {
        out = n.text;
        return true;
    }
    if (n.kind == Node::Kind::placeholder) {
        out = "{" + n.text + "}";
        return true;
    }
    return false;
}

// Strings, given one by one or as lists.
std::vector<std::string> strings(const Node& call, size_t min, size_t max) {
    std::vector<std::string> out;
    auto bad = [&] { error(call.text + "() takes string literals"); };
    for (const Node& a : call.children) {
        std::string s;
        if (a.kind == Node::Kind::list) {
            for (const Node& item : a.children)
                if (as_string(item, s)) out.push_back(s);
                else bad();
        } else if (as_string(a, s)) {
            out.push_back(s);
        } else {
            bad();
        }
    }
    if (out.size() < min || out.size() > max) {
        std::string want = min == max ? std::to_string(min) : max > 64 ? "at least " + std::to_string(min)
                                                                      : std::to_string(min) + " to " + std::to_string(max);
        error(call.text + "() takes " + want + " string argument" + (max == 1 || (min == 1 && max > 64) ? "" : "s") + ", got " +
              std::to_string(out.size()));
    }
    return out;
}

// `{'key': 'value'}` or `{'key': ['a', 'b']}`; null or [] as a value means "present".
std::vector<std::pair<std::string, std::vector<std::string>>> string_map(const Node& call) {
    if (call.children.size() != 1 || call.children[0].kind != Node::Kind::map)
        error(call.text + "() takes one map argument, as in " + call.text + "({'key': 'value'})");
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    const auto& kv = call.children[0].children;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
        std::string key, s;
        if (!as_string(kv[i], key)) error(call.text + "(): map keys must be strings");
        std::vector<std::string> values;
        const Node& v = kv[i + 1];
        if (v.kind == Node::Kind::list) {
            for (const Node& item : v.children)
                if (as_string(item, s)) values.push_back(s);
                else error(call.text + "(): values must be strings or lists of strings");
        } else if (as_string(v, s)) {
            values.push_back(s);
        } else if (v.kind != Node::Kind::null) {
            error(call.text + "(): values must be strings or lists of strings");
        }
        out.emplace_back(key, std::move(values));
    }
    return out;
}

FileCondition file_condition(const Node& call) {
    FileCondition f;
    if (call.children.size() == 1 && call.children[0].kind == Node::Kind::map) {
        const auto& kv = call.children[0].children;
        for (size_t i = 0; i + 1 < kv.size(); i += 2) {
            std::string key;
            if (!as_string(kv[i], key)) error("file(): map keys must be strings");
            Node fake;
            fake.text = "file";
            fake.children = {kv[i + 1]};
            if (key == "root") f.root = strings(fake, 1, 1)[0];
            else if (key == "try_files") f.try_files = strings(fake, 1, 1024);
            else if (key == "split_path") f.split_path = strings(fake, 1, 1024);
            else if (key == "try_policy") {
                f.try_policy = strings(fake, 1, 1)[0];
                if (!is_try_policy(f.try_policy)) error("file(): unknown try_policy " + quote(f.try_policy));
            } else {
                error("file(): unsupported key " + quote(key));
            }
        }
    } else if (!call.children.empty()) {
        f.try_files = strings(call, 1, 1024);
    }
    if (f.try_files.empty()) f.try_files = {"{path}"};
    return f;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

}  // namespace

Node parse(std::string_view text) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) error("empty expression");
    return Parser(text).parse();
}

bool is_matcher_function(std::string_view name) { return kMatcherFunctions.count(name) > 0; }

MatcherSet matcher_call_set(const Node& call, const std::string& default_name) {
    MatcherSet set;
    const std::string& f = call.text;
    constexpr size_t many = 1024;
    if (f == "path") {
        set.paths = strings(call, 1, many);
    } else if (f == "host") {
        set.hosts = strings(call, 1, many);
    } else if (f == "method") {
        for (auto& m : strings(call, 1, many)) set.methods.push_back(upper(m));
    } else if (f == "remote_ip" || f == "client_ip") {
        auto ips = strings(call, 1, many);
        if (std::find(ips.begin(), ips.end(), "forwarded") != ips.end()) error(f + "(): forwarded is not supported");
        (f == "remote_ip" ? set.remote_ips : set.client_ips) = ips;
    } else if (f == "protocol") {
        set.protocols = strings(call, 1, 1);
    } else if (f == "path_regexp") {
        auto a = strings(call, 1, 2);
        set.path_regexps.emplace_back(a.size() == 2 ? a[0] : default_name, a.back());
    } else if (f == "header_regexp" || f == "vars_regexp") {
        auto a = strings(call, 2, 3);
        auto& out = f == "header_regexp" ? set.header_regexps : set.vars_regexps;
        out.push_back({a.size() == 3 ? a[0] : default_name, {a[a.size() - 2], a.back()}});
    } else if (f == "header") {
        set.headers = string_map(call);
    } else if (f == "query") {
        for (auto& [k, values] : string_map(call)) {
            if (values.empty()) values.push_back("*");
            for (auto& v : values) set.query.emplace_back(k, v);
        }
    } else if (f == "vars") {
        set.vars = string_map(call);
    } else if (f == "file") {
        set.file = file_condition(call);
    } else {
        error("unsupported function " + quote(f));
    }
    return set;
}

}  // namespace caddyfile::cel
