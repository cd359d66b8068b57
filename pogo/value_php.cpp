#include "pogo/value_php.h"

#include <cmath>

#include "pogo/php_includes.h"

namespace pogo::jobs {
namespace {

constexpr int kMaxDepth = 512;

// The encoder's frames hold only trivially destructible locals: a bailout from user code
// (jsonSerialize) unwinds them with longjmp up to encode_guarded()'s zend_try.
struct Encoder {
  ValueWriter& out;
  const char* root;
  std::string& error;
  struct Segment {
    zend_string* key;  // nullptr: index
    zend_ulong index;
  };
  Segment path[kMaxDepth + 1];
  int depth = 0;
  bool exception = false;

  std::string path_string() const {
    std::string s = root;
    for (int i = 0; i < depth; ++i) {
      if (path[i].key) {
        s += '.';
        s.append(ZSTR_VAL(path[i].key), ZSTR_LEN(path[i].key));
      } else {
        s += '[' + std::to_string(path[i].index) + ']';
      }
    }
    return s;
  }

  bool fail(const std::string& what) {
    error = path_string() + ": " + what + " is not JSON-compatible";
    return false;
  }

  bool encode(zval* zv) {
  again:
    switch (Z_TYPE_P(zv)) {
      case IS_UNDEF:
      case IS_NULL: out.null(); return true;
      case IS_FALSE: out.boolean(false); return true;
      case IS_TRUE: out.boolean(true); return true;
      case IS_LONG: out.integer(Z_LVAL_P(zv)); return true;
      case IS_DOUBLE: {
        double d = Z_DVAL_P(zv);
        if (std::isnan(d)) return fail("NAN");
        if (std::isinf(d)) return fail(d > 0 ? "INF" : "-INF");
        out.real(d);
        return true;
      }
      case IS_STRING: out.string({Z_STRVAL_P(zv), Z_STRLEN_P(zv)}); return true;
      case IS_ARRAY: return encode_table(Z_ARRVAL_P(zv), false);
      case IS_OBJECT: return encode_object(zv);
      case IS_REFERENCE: zv = Z_REFVAL_P(zv); goto again;
      case IS_RESOURCE: return fail("resource");
      default: return fail(zend_zval_type_name(zv));
    }
  }

  bool enter() {
    if (depth >= kMaxDepth) {
      fail("nesting deeper than 512 levels");
      return false;
    }
    return true;
  }

  // An array, or an object's property table (skipping non-public, mangled names).
  bool encode_table(HashTable* ht, bool properties) {
    if (!enter()) return false;
    if (!properties) {
      if (GC_IS_RECURSIVE(ht)) return fail("recursion");
      GC_TRY_PROTECT_RECURSION(ht);
    }
    // Hold a reference: jsonSerialize() further down could modify the array through a reference.
    if (!(GC_FLAGS(ht) & GC_IMMUTABLE)) GC_ADDREF(ht);
    bool ok = properties || !zend_array_is_list(ht) ? encode_map(ht, properties) : encode_list(ht);
    if (!properties) GC_TRY_UNPROTECT_RECURSION(ht);
    if (!(GC_FLAGS(ht) & GC_IMMUTABLE)) {
      if (GC_DELREF(ht) == 0) zend_array_destroy(ht);
    }
    return ok;
  }

  bool encode_list(HashTable* ht) {
    size_t mark = out.begin_list();
    uint32_t n = 0;
    zval* v;
    ZEND_HASH_FOREACH_VAL_IND(ht, v) {
      path[depth] = {nullptr, n};
      ++depth;
      bool ok = encode(v);
      --depth;
      if (!ok) return false;
      ++n;
    }
    ZEND_HASH_FOREACH_END();
    out.end(mark, n);
    return true;
  }

  bool encode_map(HashTable* ht, bool properties) {
    size_t mark = out.begin_map();
    uint32_t n = 0;
    zend_string* key;
    zend_ulong index;
    zval* v;
    ZEND_HASH_FOREACH_KEY_VAL_IND(ht, index, key, v) {
      if (key && properties && ZSTR_LEN(key) > 0 && ZSTR_VAL(key)[0] == '\0') continue;  // private/protected
      if (Z_TYPE_P(v) == IS_UNDEF) continue;  // uninitialized typed property
      if (key) out.string({ZSTR_VAL(key), ZSTR_LEN(key)});
      else out.integer(static_cast<int64_t>(index));
      path[depth] = {key, index};
      ++depth;
      bool ok = encode(v);
      --depth;
      if (!ok) return false;
      ++n;
    }
    ZEND_HASH_FOREACH_END();
    out.end(mark, n);
    return true;
  }

  static bool plain_class(zend_class_entry* ce) {
    if (ce == zend_standard_class_def) return true;
    // A PHP class whose state is its property table: no internal ancestor with its own storage.
    return ce->type == ZEND_USER_CLASS && ce->create_object == nullptr;
  }

  bool encode_properties(zval* zv) {
    zend_object* obj = Z_OBJ_P(zv);
    if (GC_IS_RECURSIVE(obj)) return fail("recursion");
    GC_PROTECT_RECURSION(obj);
    HashTable* props = zend_get_properties_for(zv, ZEND_PROP_PURPOSE_JSON);
    bool ok = props ? encode_table(props, true) : (out.end(out.begin_map(), 0), true);
    if (props) zend_release_properties(props);
    GC_UNPROTECT_RECURSION(obj);
    return ok;
  }

  bool encode_object(zval* zv) {
    zend_object* obj = Z_OBJ_P(zv);
    zend_class_entry* ce = obj->ce;
    if (ce->ce_flags & ZEND_ACC_ENUM) {
      if (ce->enum_backing_type == IS_UNDEF) {
        zval* name = zend_enum_fetch_case_name(obj);
        return fail("non-backed enum " + std::string(ZSTR_VAL(ce->name)) + "::" + Z_STRVAL_P(name));
      }
      return encode(zend_enum_fetch_case_value(obj));
    }
    if (instanceof_function(ce, php_json_serializable_ce)) return encode_serializable(zv);
    if (ce == zend_ce_closure) return fail("closure");
    if (plain_class(ce)) return encode_properties(zv);
    return fail("object of class " + std::string(ZSTR_VAL(ce->name)));
  }

  bool encode_serializable(zval* zv) {
    zend_object* obj = Z_OBJ_P(zv);
    if (GC_IS_RECURSIVE(obj)) return fail("recursion");
    GC_PROTECT_RECURSION(obj);
    zval retval;
    ZVAL_UNDEF(&retval);
    zend_call_known_instance_method_with_0_params(
        static_cast<zend_function*>(zend_hash_str_find_ptr(&obj->ce->function_table, "jsonserialize",
                                                           sizeof("jsonserialize") - 1)),
        obj, &retval);
    GC_UNPROTECT_RECURSION(obj);
    if (EG(exception) || Z_TYPE(retval) == IS_UNDEF) {
      zval_ptr_dtor(&retval);
      exception = true;
      return false;
    }
    bool ok;
    if (Z_TYPE(retval) == IS_OBJECT && Z_OBJ(retval) == obj) {
      ok = encode_properties(&retval);  // `return $this`: its public properties, as json_encode
    } else {
      // The result is protected while encoded (it may contain this object again: recursion).
      GC_PROTECT_RECURSION(obj);
      ok = encode(&retval);
      GC_UNPROTECT_RECURSION(obj);
    }
    zval_ptr_dtor(&retval);
    return ok;
  }
};

bool encode_guarded(Encoder& enc, zval* value, volatile bool& bailed) {
  volatile bool ok = false;
  zend_try { ok = enc.encode(value); }
  zend_catch { bailed = true; }
  zend_end_try();
  return ok;
}

void decode(ValueView v, zval* out);

void decode_list(ValueView v, zval* out) {
  uint32_t n = v.count();
  if (n == 0) {
    ZVAL_EMPTY_ARRAY(out);
    return;
  }
  array_init_size(out, n);
  HashTable* ht = Z_ARRVAL_P(out);
  zend_hash_real_init_packed(ht);
  ValueView e = v.first();
  ZEND_HASH_FILL_PACKED(ht) {
    for (uint32_t i = 0; i < n; ++i) {
      decode(e, __fill_val);
      ZEND_HASH_FILL_NEXT();
      e = e.next();
    }
  }
  ZEND_HASH_FILL_END();
}

void decode_map(ValueView v, zval* out) {
  uint32_t n = v.count();
  if (n == 0) {
    ZVAL_EMPTY_ARRAY(out);
    return;
  }
  array_init_size(out, n);
  HashTable* ht = Z_ARRVAL_P(out);
  zend_hash_real_init_mixed(ht);
  ValueView k = v.first();
  for (uint32_t i = 0; i < n; ++i) {
    ValueView val = k.next();
    zval tmp;
    decode(val, &tmp);
    if (k.type() == ValueType::Int) {
      zend_hash_index_update(ht, static_cast<zend_ulong>(k.as_int()), &tmp);
    } else {
      std::string_view key = k.as_string();
      zend_symtable_str_update(ht, key.data(), key.size(), &tmp);
    }
    k = val.next();
  }
}

void decode(ValueView v, zval* out) {
  switch (v.type()) {
    case ValueType::Null: ZVAL_NULL(out); return;
    case ValueType::False: ZVAL_FALSE(out); return;
    case ValueType::True: ZVAL_TRUE(out); return;
    case ValueType::Int: ZVAL_LONG(out, v.as_int()); return;
    case ValueType::Double: ZVAL_DOUBLE(out, v.as_double()); return;
    case ValueType::String: {
      std::string_view s = v.as_string();
      ZVAL_STRINGL_FAST(out, s.data(), s.size());
      return;
    }
    case ValueType::List: decode_list(v, out); return;
    case ValueType::Map: decode_map(v, out); return;
  }
  ZVAL_NULL(out);
}

}  // namespace

Convert to_value(zval* value, const char* root, ValueWriter& out, std::string& error) {
  Encoder enc{out, root, error};
  volatile bool bailed = false;
  bool ok = encode_guarded(enc, value, bailed);
  if (bailed) return Convert::Bailout;
  if (ok && out.size() > UINT32_MAX) {
    // Sizes in the encoding are 32-bit: below 4 GiB in total none of them can overflow.
    error = std::string(root) + ": a value of 4 GiB or more is not supported";
    return Convert::Invalid;
  }
  if (ok) return Convert::Ok;
  return enc.exception ? Convert::Exception : Convert::Invalid;
}

bool to_zval(ValueView value, zval* out) {
  volatile bool ok = true;
  ZVAL_NULL(out);
  zend_try { decode(value, out); }
  zend_catch { ok = false; }
  zend_end_try();
  return ok;
}

}  // namespace pogo::jobs
