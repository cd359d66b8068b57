#include "pogo/value.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace pogo::jobs {

ValueView ValueView::next() const {
  switch (type()) {
    case ValueType::Null:
    case ValueType::False:
    case ValueType::True: return ValueView(p_ + 1);
    case ValueType::Int:
    case ValueType::Double: return ValueView(p_ + 9);
    case ValueType::String: return ValueView(p_ + 5 + pod<uint32_t>(1));
    case ValueType::List:
    case ValueType::Map: return ValueView(p_ + 9 + pod<uint32_t>(5));
  }
  throw std::logic_error("corrupt pogo Value");
}

ValueView ValueView::find(std::string_view key) const {
  if (type() != ValueType::Map) return ValueView(nullptr);
  ValueView k = first();
  for (uint32_t i = 0, n = count(); i < n; ++i) {
    ValueView v = k.next();
    if (k.type() == ValueType::String && k.as_string() == key) return v;
    k = v.next();
  }
  return ValueView(nullptr);
}

ValueView ValueView::at(uint32_t index) const {
  ValueView e = first();
  for (uint32_t i = 0; i < index; ++i) {
    if (type() == ValueType::Map) e = e.next();
    e = e.next();
  }
  return type() == ValueType::Map ? e.next() : e;
}

namespace {

nlohmann::ordered_json to_nlohmann(ValueView v) {
  switch (v.type()) {
    case ValueType::Null: return nullptr;
    case ValueType::False: return false;
    case ValueType::True: return true;
    case ValueType::Int: return v.as_int();
    case ValueType::Double: return v.as_double();
    case ValueType::String: return std::string(v.as_string());
    case ValueType::List: {
      auto arr = nlohmann::ordered_json::array();
      ValueView e = v.first();
      for (uint32_t i = 0; i < v.count(); ++i, e = e.next()) arr.push_back(to_nlohmann(e));
      return arr;
    }
    case ValueType::Map: {
      auto obj = nlohmann::ordered_json::object();
      ValueView k = v.first();
      for (uint32_t i = 0; i < v.count(); ++i) {
        ValueView val = k.next();
        std::string key = k.type() == ValueType::Int ? std::to_string(k.as_int()) : std::string(k.as_string());
        obj[key] = to_nlohmann(val);
        k = val.next();
      }
      return obj;
    }
  }
  return nullptr;
}

void from_nlohmann(const nlohmann::ordered_json& j, ValueWriter& w) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: w.null(); break;
    case nlohmann::ordered_json::value_t::boolean: w.boolean(j.get<bool>()); break;
    case nlohmann::ordered_json::value_t::number_integer: w.integer(j.get<int64_t>()); break;
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) w.real(static_cast<double>(u));  // as json_decode
      else w.integer(static_cast<int64_t>(u));
      break;
    }
    case nlohmann::ordered_json::value_t::number_float: w.real(j.get<double>()); break;
    case nlohmann::ordered_json::value_t::string: w.string(j.get_ref<const std::string&>()); break;
    case nlohmann::ordered_json::value_t::array: {
      size_t mark = w.begin_list();
      for (const auto& e : j) from_nlohmann(e, w);
      w.end(mark, static_cast<uint32_t>(j.size()));
      break;
    }
    case nlohmann::ordered_json::value_t::object: {
      size_t mark = w.begin_map();
      for (const auto& [k, v] : j.items()) {
        w.string(k);
        from_nlohmann(v, w);
      }
      w.end(mark, static_cast<uint32_t>(j.size()));
      break;
    }
    default: throw std::invalid_argument("unsupported JSON value");
  }
}

}  // namespace

std::string Value::to_json() const {
  return to_nlohmann(view()).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Value Value::from_json(std::string_view json) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(json);
  } catch (const nlohmann::ordered_json::exception& e) {
    throw std::invalid_argument(e.what());
  }
  ValueWriter w;
  from_nlohmann(j, w);
  return w.finish();
}

}  // namespace pogo::jobs
