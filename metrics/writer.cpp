#include "metrics/writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace pogo::metrics {

std::string Writer::escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Writer::escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Writer::format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back the same
  return std::string(buf, r.ptr);
}

std::string Writer::label_key(const Labels& given) {
  Labels labels = given;  // sorted by name, as Prometheus' Go client prints them
  std::sort(labels.begin(), labels.end());
  std::string key;
  for (const auto& [name, value] : labels) {
    if (!key.empty()) key += ',';
    key.append(name);
    key += "=\"";
    key += escape_label_value(value);
    key += '"';
  }
  return key;
}

Writer::Family* Writer::family(std::string_view name, std::string_view help, const char* type) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{std::string(help), type, {}}).first;
  return it->second.type == type ? &it->second : nullptr;
}

void Writer::counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  if (Family* f = family(name, help, "counter")) f->series[label_key(labels)].value += value;
}

void Writer::gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
  if (Family* f = family(name, help, "gauge")) f->series[label_key(labels)].value += value;
}

void Writer::histogram(std::string_view name, std::string_view help, const Labels& labels, const HistogramSnapshot& h) {
  Family* f = family(name, help, "histogram");
  if (!f) return;
  HistogramSnapshot& into = f->series[label_key(labels)].histogram;
  if (into.cumulative.empty()) {
    into = h;
    return;
  }
  if (into.bounds != h.bounds) return;  // same family, other buckets: a programming error, keep the first
  for (size_t i = 0; i < into.cumulative.size(); ++i) into.cumulative[i] += h.cumulative[i];
  into.sum += h.sum;
}

std::string Writer::text() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [key, s] : f.series) {
      const std::string braces = key.empty() ? "" : "{" + key + "}";
      if (f.type != "histogram") {
        out += name + braces + " " + format_value(s.value) + "\n";
        continue;
      }
      const std::string sep = key.empty() ? "" : key + ",";
      const HistogramSnapshot& h = s.histogram;
      for (size_t i = 0; i < h.cumulative.size(); ++i) {
        std::string le = i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf";
        out += name + "_bucket{" + sep + "le=\"" + le + "\"} " + std::to_string(h.cumulative[i]) + "\n";
      }
      out += name + "_sum" + braces + " " + format_value(h.sum) + "\n";
      out += name + "_count" + braces + " " + std::to_string(h.count()) + "\n";
    }
  }
  return out;
}

}  // namespace pogo::metrics
