// The Prometheus text exposition format (0.0.4), built from what collectors report: each family
// is printed once, with its # HELP and # TYPE lines, however many collectors added samples to it;
// families come out sorted by name and series sorted by their labels, so two renders of the same
// state are the same text. Two reports of one series (same family, same labels) are summed: when
// two PHP backends or two Pogo runtimes are alive at once during a reload, their gauges add up.
// Label values are escaped (backslash, double quote, newline), HELP texts too (backslash, newline).
//
// Threads: one Writer belongs to the thread rendering with it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.h"

namespace pogo::metrics {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class Writer {
 public:
  // A family reported twice with another type or HELP keeps the first (a programming error that
  // must not make the output invalid).
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  void histogram(std::string_view name, std::string_view help, const Labels& labels, const HistogramSnapshot& h);
  // The exposition. As with Prometheus' Go client, a family nobody reported a series of is absent.
  std::string text() const;

  static std::string escape_label_value(std::string_view v);
  static std::string escape_help(std::string_view v);
  static std::string format_value(double v);

 private:
  struct Series {
    double value = 0;
    HistogramSnapshot histogram;
  };
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, Series> series;  // by the rendered label set ("" or `a="x",b="y"`)
  };
  Family* family(std::string_view name, std::string_view help, const char* type);
  static std::string label_key(const Labels& labels);

  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace pogo::metrics
