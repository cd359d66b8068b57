// A Value is a JSON-compatible value (null, bool, int64, double, binary-safe string, list, map)
// that can cross threads: PHP values never do (each ZTS thread has its own allocator), so a job's
// args and result travel as Values. It is the tree encoded pre-order into one contiguous buffer —
// a tag byte per node, fixed-width payloads, containers prefixed with their element count and
// byte size — so building one from a zval is a single append pass with one growing allocation,
// and rebuilding the zval knows every array's size up front. Measured against json_encode +
// json_decode in bench/pogo_value_bench.cpp.
//
// Encoding (host byte order, never leaves the process):
//   'n' | 'f' | 't'                         null, false, true
//   'i' int64                               integer
//   'd' double                              float (finite; INF/NAN are rejected before)
//   's' u32 len, bytes                      string (any bytes)
//   'l' u32 count, u32 size, values...      list (PHP array with keys 0..n-1 in order)
//   'm' u32 count, u32 size, (key value)... map; a key is an 'i' or an 's' node
// size = bytes of the elements that follow, so a reader skips a container in O(1).
//
// Threads: a Value is immutable once built; any thread may read it. A ValueWriter belongs to the
// thread that builds.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace pogo::jobs {

enum class ValueType : char {
  Null = 'n', False = 'f', True = 't', Int = 'i', Double = 'd', String = 's', List = 'l', Map = 'm'
};

class ValueView;

class Value {
 public:
  Value() : bytes_(1, 'n') {}  // null
  explicit Value(std::string bytes) : bytes_(std::move(bytes)) {}
  const std::string& bytes() const { return bytes_; }
  ValueView view() const;
  // JSON text (nlohmann), for tests, logs and C++ workers; strings that are not UTF-8 are escaped.
  std::string to_json() const;
  // Parses JSON text; throws std::invalid_argument on bad JSON. Objects become maps.
  static Value from_json(std::string_view json);

 private:
  std::string bytes_;
};

// Builds a Value. Containers: begin_list/begin_map return a mark, write the elements (for a map,
// key then value), then end(mark, count).
class ValueWriter {
 public:
  ValueWriter() { buf_.reserve(256); }
  void null() { buf_.push_back('n'); }
  void boolean(bool b) { buf_.push_back(b ? 't' : 'f'); }
  void integer(int64_t v) { tag_pod('i', v); }
  void real(double v) { tag_pod('d', v); }
  void string(std::string_view s) {
    tag_pod('s', static_cast<uint32_t>(s.size()));
    buf_.append(s.data(), s.size());
  }
  size_t begin_list() { return begin('l'); }
  size_t begin_map() { return begin('m'); }
  void end(size_t mark, uint32_t count) {
    uint32_t size = static_cast<uint32_t>(buf_.size() - mark - 9);
    std::memcpy(&buf_[mark + 1], &count, 4);
    std::memcpy(&buf_[mark + 5], &size, 4);
  }
  size_t size() const { return buf_.size(); }
  void truncate(size_t n) { buf_.resize(n); }
  Value finish() { return Value(std::move(buf_)); }

 private:
  template <class T>
  void tag_pod(char tag, T v) {
    char tmp[1 + sizeof(T)];
    tmp[0] = tag;
    std::memcpy(tmp + 1, &v, sizeof(T));
    buf_.append(tmp, sizeof tmp);
  }
  size_t begin(char tag) {
    size_t mark = buf_.size();
    buf_.append(9, '\0');
    buf_[mark] = tag;
    return mark;
  }
  std::string buf_;
};

// A read-only cursor on one node of a Value's buffer. Valid while the Value lives.
class ValueView {
 public:
  ValueView(const char* p) : p_(p) {}
  ValueType type() const { return static_cast<ValueType>(*p_); }
  bool is_null() const { return type() == ValueType::Null; }
  bool as_bool() const { return type() == ValueType::True; }
  int64_t as_int() const { return pod<int64_t>(1); }
  double as_double() const { return pod<double>(1); }
  std::string_view as_string() const { return {p_ + 5, pod<uint32_t>(1)}; }
  // Lists and maps: element count.
  uint32_t count() const { return pod<uint32_t>(1); }
  // The node after this one (skips a container's elements).
  ValueView next() const;
  // First element of a container (for a map: the first key; its value is key.next()).
  ValueView first() const { return ValueView(p_ + 9); }
  // Map lookup by string key; null view (data()==nullptr) if absent or not a map.
  ValueView find(std::string_view key) const;
  // List element / map value by position; undefined if out of range.
  ValueView at(uint32_t index) const;
  const char* data() const { return p_; }

 private:
  template <class T>
  T pod(size_t offset) const {
    T v;
    std::memcpy(&v, p_ + offset, sizeof v);
    return v;
  }
  const char* p_;
};

inline ValueView Value::view() const { return ValueView(bytes_.data()); }

}  // namespace pogo::jobs
