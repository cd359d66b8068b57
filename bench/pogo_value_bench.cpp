// Value conversion for a ~200-byte payload, measured inside PHP (hrtime, same request, same
// values): Pogo's zval -> Value -> zval against PHP's own json_encode + json_decode($json, true),
// each direction alone and both together. The loop and call overhead is measured too (an empty
// internal call) so the figures can be read net of it.
//
//   cmake --build build --target pogo_value_bench && ./build/tests/pogo/pogo_value_bench
#include <cstdio>

#include "tests/pogo/php_harness.h"

int main() {
  pogo::test::php_start();
  std::puts(pogo::test::eval_php(R"PHP(
    $payload = ['sku' => 'A-100', 'qty' => 3, 'price' => 19.99, 'currency' => 'EUR',
      'customer' => ['id' => 123456, 'name' => 'Jane Doe', 'tier' => 'gold', 'since' => '2019-04-01'],
      'tags' => ['new', 'promo', 'eu'], 'gift' => false, 'note' => null, 'warehouse' => 'FRA-2',
      'lines' => [['sku' => 'B-1', 'qty' => 1], ['sku' => 'C-22', 'qty' => 2]]];
    $json = json_encode($payload);
    $bytes = pogo_test_encode($payload);
    $n = 200000;
    $best = [];
    $measure = function (string $name, callable $body) use ($n, &$best) {
      $runs = [];
      for ($r = 0; $r < 5; $r++) {
        $t = hrtime(true);
        $body($n);
        $runs[] = (hrtime(true) - $t) / $n / 1000;
      }
      sort($runs);
      $best[$name] = $runs[2];  // median of 5 runs
    };
    $measure('loop + empty internal call', function ($n) use ($payload) { for ($i = 0; $i < $n; $i++) { $x = is_array($payload); } });
    $measure('json_encode', function ($n) use ($payload) { for ($i = 0; $i < $n; $i++) { $x = json_encode($payload); } });
    $measure('json_decode(, true)', function ($n) use ($json) { for ($i = 0; $i < $n; $i++) { $x = json_decode($json, true); } });
    $measure('json_encode + json_decode', function ($n) use ($payload) { for ($i = 0; $i < $n; $i++) { $x = json_decode(json_encode($payload), true); } });
    $measure('pogo zval -> Value (incl. copy to a PHP string)', function ($n) use ($payload) { for ($i = 0; $i < $n; $i++) { $x = pogo_test_encode($payload); } });
    $measure('pogo Value -> zval', function ($n) use ($bytes) { for ($i = 0; $i < $n; $i++) { $x = pogo_test_decode($bytes); } });
    $measure('pogo zval -> Value -> zval', function ($n) use ($payload) { for ($i = 0; $i < $n; $i++) { $x = pogo_test_roundtrip($payload); } });
    $out = sprintf("payload: %d bytes of JSON, %d bytes as a Value; %d iterations, median of 5 runs\n", strlen($json), strlen($bytes), $n);
    foreach ($best as $name => $us) $out .= sprintf("%-50s %6.3f us\n", $name, $us);
    $out .= sprintf("ratio pogo round trip / json round trip: %.2f\n", $best['pogo zval -> Value -> zval'] / $best['json_encode + json_decode']);
    return $out;
  )PHP").c_str());
  return 0;
}
