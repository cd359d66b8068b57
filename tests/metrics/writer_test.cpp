// The text format: HELP and TYPE once per family, escaping, histogram lines, sums of a series
// reported twice, and a stable order.
#include <doctest/doctest.h>

#include "metrics/writer.h"

using namespace pogo::metrics;

TEST_CASE("a family is printed once, sorted, with HELP and TYPE first") {
  Writer w;
  w.gauge("b_gauge", "B things", {{"x", "2"}}, 2);
  w.counter("a_total", "A things", {}, 3);
  w.gauge("b_gauge", "B things", {{"x", "1"}}, 1);
  CHECK(w.text() ==
        "# HELP a_total A things\n"
        "# TYPE a_total counter\n"
        "a_total 3\n"
        "# HELP b_gauge B things\n"
        "# TYPE b_gauge gauge\n"
        "b_gauge{x=\"1\"} 1\n"
        "b_gauge{x=\"2\"} 2\n");
}

TEST_CASE("the same series reported twice is summed (two live backends during a reload)") {
  Writer w;
  w.gauge("threads", "T", {{"worker", "w"}}, 4);
  w.gauge("threads", "T", {{"worker", "w"}}, 2);
  CHECK(w.text() == "# HELP threads T\n# TYPE threads gauge\nthreads{worker=\"w\"} 6\n");
}

TEST_CASE("labels are printed sorted by name, whatever order they were given in") {
  Writer w;
  w.counter("r", "R", {{"server", "srv0"}, {"handler", "php"}, {"code", "200"}}, 1);
  CHECK(w.text() == "# HELP r R\n# TYPE r counter\nr{code=\"200\",handler=\"php\",server=\"srv0\"} 1\n");
}

TEST_CASE("label values and HELP texts are escaped") {
  CHECK(Writer::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(Writer::escape_help("x\\y\nz \"q\"") == "x\\\\y\\nz \"q\"");
  Writer w;
  w.gauge("g", "line1\nline2", {{"path", "/tmp/\"w\".php"}}, 1);
  CHECK(w.text() == "# HELP g line1\\nline2\n# TYPE g gauge\ng{path=\"/tmp/\\\"w\\\".php\"} 1\n");
}

TEST_CASE("an empty HELP is printed as the Go client prints it") {
  Writer w;
  w.counter("frankenphp_worker_request_count", "", {{"worker", "w"}}, 7);
  CHECK(w.text() ==
        "# HELP frankenphp_worker_request_count \n"
        "# TYPE frankenphp_worker_request_count counter\n"
        "frankenphp_worker_request_count{worker=\"w\"} 7\n");
}

TEST_CASE("values: integers plainly, fractions shortest, infinities as Prometheus spells them") {
  CHECK(Writer::format_value(0) == "0");
  CHECK(Writer::format_value(42) == "42");
  CHECK(Writer::format_value(0.25) == "0.25");
  CHECK(Writer::format_value(1.0 / 0.0) == "+Inf");
  CHECK(Writer::format_value(-1.0 / 0.0) == "-Inf");
}

TEST_CASE("a histogram: cumulative _bucket lines with le (+Inf last), then _sum and _count") {
  Histogram h({0.1, 1}, 1e9);  // seconds from nanoseconds
  h.observe(50'000'000);       // 0.05 s
  h.observe(100'000'000);      // 0.1 s: on the bound, belongs to it
  h.observe(500'000'000);      // 0.5 s
  h.observe(3'000'000'000);    // 3 s
  Writer w;
  w.histogram("d_seconds", "D", {{"pool", "p"}}, h.snapshot());
  CHECK(w.text() ==
        "# HELP d_seconds D\n"
        "# TYPE d_seconds histogram\n"
        "d_seconds_bucket{pool=\"p\",le=\"0.1\"} 2\n"
        "d_seconds_bucket{pool=\"p\",le=\"1\"} 3\n"
        "d_seconds_bucket{pool=\"p\",le=\"+Inf\"} 4\n"
        "d_seconds_sum{pool=\"p\"} 3.65\n"
        "d_seconds_count{pool=\"p\"} 4\n");
}

TEST_CASE("a histogram without labels, and two reports of it summed") {
  Histogram a({256}, 1), b({256}, 1);
  a.observe(10);
  b.observe(1000);
  Writer w;
  w.histogram("s_bytes", "S", {}, a.snapshot());
  w.histogram("s_bytes", "S", {}, b.snapshot());
  CHECK(w.text() ==
        "# HELP s_bytes S\n"
        "# TYPE s_bytes histogram\n"
        "s_bytes_bucket{le=\"256\"} 1\n"
        "s_bytes_bucket{le=\"+Inf\"} 2\n"
        "s_bytes_sum 1010\n"
        "s_bytes_count 2\n");
}

TEST_CASE("a family reported with another type keeps the first, so the output stays valid") {
  Writer w;
  w.counter("x", "X", {}, 1);
  w.gauge("x", "X", {}, 5);
  CHECK(w.text() == "# HELP x X\n# TYPE x counter\nx 1\n");
}

TEST_CASE("bucket bounds are checked") {
  CHECK_THROWS_AS(Histogram({1, 1}, 1), std::invalid_argument);
  CHECK_THROWS_AS(Histogram(std::vector<double>(kMaxBuckets + 1, 0), 1), std::invalid_argument);
  CHECK(default_duration_buckets().size() == 11);
  CHECK(exponential_buckets(256, 4, 8).back() == 4194304);
}
