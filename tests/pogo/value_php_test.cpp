// zval -> Value -> zval, with real PHP values: every type against json_decode(json_encode($v), true),
// and every failure with its exact message. pogo_test_roundtrip() is php_harness.cpp's door to
// to_value()/to_zval().
#include <doctest/doctest.h>

#include "php_harness.h"

using pogo::test::eval_php;

namespace {

void setup() {
  pogo::test::php_start();
  static bool declared = false;
  if (declared) return;
  declared = true;
  REQUIRE(pogo::test::exec_php(R"PHP(
    enum Suit { case Hearts; case Spades; }
    enum Size: string { case Small = 's'; case Large = 'l'; }
    enum Level: int { case Low = 1; case High = 10; }
    class Point { public $x = 1; public $y = [2, 3]; protected $hidden = 'p'; private $secret = 's'; public ?int $unset; }
    class Typed { public int $a = 5; public string $b; }
    class Ser implements JsonSerializable { public function __construct(public $v = ['k' => 'v']) {} public function jsonSerialize(): mixed { return $this->v; } }
    class SerThis implements JsonSerializable { public $pub = 'yes'; private $priv = 'no'; public function jsonSerialize(): mixed { return $this; } }
    class SerThrows implements JsonSerializable { public function jsonSerialize(): mixed { throw new LogicException('nope'); } }
    class MyArrayObject extends ArrayObject {}
    function same($v) {
      $a = var_export(pogo_test_roundtrip($v), true);
      $b = var_export(json_decode(json_encode($v, JSON_PRESERVE_ZERO_FRACTION), true), true);
      return $a === $b ? 'same' : "pogo: $a\njson: $b";
    }
    function err($v, $root = 'args') {
      try { pogo_test_roundtrip($v, $root); return 'no error'; }
      catch (Throwable $e) { return get_class($e) . ': ' . $e->getMessage(); }
    }
  )PHP"));
}

}  // namespace

TEST_CASE("every JSON-compatible PHP value converts as json_decode(json_encode(v), true) would") {
  setup();
  const char* values[] = {
      "null", "true", "false", "0", "-1", "PHP_INT_MAX", "PHP_INT_MIN", "1.5", "0.1", "1e300", "-0.0",
      "1.0", "2.5e-300", "''", "'héllo wörld'", "'a\\\"b\\\\c'", "[]", "[1, 2, 3]", "['a' => 1, 'b' => [true, null]]",
      "[5 => 'a', 2 => 'b']", "[1 => 'x']", "['10' => 'x', 'y' => 2]", "[0 => 'a', 2 => 'c']",
      "['' => 'empty key']", "[[[[['deep']]]]]", "new stdClass", "(object)['a' => 1, 'b' => (object)[]]",
      "(object)['x', 'y']", "new Point", "new Typed", "Size::Large", "Level::High", "['s' => Size::Small]",
      "new Ser", "new Ser(42)", "new Ser(new Ser([1, 2]))", "new SerThis", "[new Point, new Point]",
      "array_fill(0, 100, ['id' => 1, 'name' => 'n', 'tags' => ['a', 'b'], 'price' => 9.99])",
  };
  for (const char* v : values) {
    CAPTURE(v);
    CHECK(eval_php(std::string("return same(") + v + ");") == "same");
  }
}

TEST_CASE("strings are binary-safe and floats keep their exact value and type") {
  setup();
  CHECK(eval_php(R"(return pogo_test_roundtrip("a\0b\xff\xfe") === "a\0b\xff\xfe" ? 'ok' : 'bad';)") == "ok");
  CHECK(eval_php(R"(return pogo_test_roundtrip(['k' => "\x80"])['k'] === "\x80" ? 'ok' : 'bad';)") == "ok");
  CHECK(eval_php(R"(return pogo_test_roundtrip(0.1 + 0.2) === 0.1 + 0.2 ? 'ok' : 'bad';)") == "ok");
  CHECK(eval_php(R"(return var_export(pogo_test_roundtrip(3.0), true);)") == "3.0");
  CHECK(eval_php(R"(return var_export(pogo_test_roundtrip(PHP_INT_MAX), true);)") == "9223372036854775807");
}

TEST_CASE("references and shared sub-arrays are fine; the source is untouched") {
  setup();
  CHECK(eval_php(R"($a = [1, 2]; $b = ['x' => &$a, 'y' => &$a, 'z' => $a]; return same($b);)") == "same");
  CHECK(eval_php(R"($o = new stdClass; $o->v = 1; $v = [$o, $o]; return same($v);)") == "same");
  CHECK(eval_php(R"($a = ['k' => [1]]; pogo_test_roundtrip($a); return json_encode($a);)") == R"({"k":[1]})");
}

TEST_CASE("values that are not JSON-compatible fail with the path and exact message") {
  setup();
  struct Case {
    const char* code;  // body that sets $v
    const char* message;
  } cases[] = {
      {"$v = ['items' => [1, 2, 3, INF]];", "args.items[3]: INF is not JSON-compatible"},
      {"$v = ['x' => -INF];", "args.x: -INF is not JSON-compatible"},
      {"$v = [5 => ['x' => NAN]];", "args[5].x: NAN is not JSON-compatible"},
      {"$v = ['file' => fopen('php://memory', 'r')];", "args.file: resource is not JSON-compatible"},
      {"$v = ['cb' => fn() => 1];", "args.cb: closure is not JSON-compatible"},
      {"$v = ['cb' => strlen(...)];", "args.cb: closure is not JSON-compatible"},
      {"$v = ['suit' => Suit::Hearts];", "args.suit: non-backed enum Suit::Hearts is not JSON-compatible"},
      {"$v = ['when' => new DateTime()];", "args.when: object of class DateTime is not JSON-compatible"},
      {"$v = [new MyArrayObject([1])];", "args[0]: object of class MyArrayObject is not JSON-compatible"},
      {"$v = ['g' => (function () { yield 1; })()];", "args.g: object of class Generator is not JSON-compatible"},
      {"$v = ['e' => new Exception('x')];", "args.e: object of class Exception is not JSON-compatible"},
      {"$o = new stdClass; $o->me = $o; $v = ['o' => $o];", "args.o.me: recursion is not JSON-compatible"},
      {"$a = ['x' => 1]; $a['self'] = &$a; $v = $a;", "args.self: recursion is not JSON-compatible"},
      {"$v = ['j' => new Ser(['deep' => [NAN]])];", "args.j.deep[0]: NAN is not JSON-compatible"},
      {"$v = ['p' => new Point]; $v['p']->y = [1, INF];", "args.p.y[1]: INF is not JSON-compatible"},
      {"$s = new Ser(null); $s->v = ['again' => $s]; $v = [$s];", "args[0].again: recursion is not JSON-compatible"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.code);
    CHECK(eval_php(std::string(c.code) + " return err($v);") == std::string("Pogo\\ArgumentException: ") + c.message);
  }
}

TEST_CASE("the root name is the caller's; nesting past 512 levels fails; jsonSerialize() exceptions pass through") {
  setup();
  CHECK(eval_php("return err([INF], 'result');") == "Pogo\\ArgumentException: result[0]: INF is not JSON-compatible");
  CHECK(eval_php("return err(INF);") == "Pogo\\ArgumentException: args: INF is not JSON-compatible");
  std::string deep = eval_php("$v = 1; for ($i = 0; $i < 600; $i++) $v = [$v]; return err($v);");
  CHECK(deep.rfind("Pogo\\ArgumentException: args[0][0]", 0) == 0);
  CHECK(deep.find("[0]: nesting deeper than 512 levels is not JSON-compatible") != std::string::npos);
  CHECK(eval_php("$v = 1; for ($i = 0; $i < 500; $i++) $v = [$v]; return same($v);") == "same");
  CHECK(eval_php("return err(['x' => new SerThrows]);") == "LogicException: nope");
}
