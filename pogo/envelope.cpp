#include "pogo/envelope.h"

#include "pogo/php_includes.h"

namespace pogo::jobs {

bool build_payload(const Job& job, zval* payload) {
  zval args;
  if (!to_zval(job.args.view(), &args)) {
    ZVAL_NULL(payload);
    return false;
  }
  array_init_size(payload, 2);
  add_assoc_stringl_ex(payload, "class", 5, job.class_name.data(), job.class_name.size());
  add_assoc_zval_ex(payload, "args", 4, &args);
  return true;
}

namespace {

EnvelopeOutcome invalid(std::string why) {
  EnvelopeOutcome o;
  o.error = kInvalidEnvelope + why;
  return o;
}

EnvelopeOutcome read_array(HashTable* ht) {
  zval* ok = zend_hash_str_find_deref(ht, "ok", 2);
  if (!ok) return invalid("expected an array with \"ok\", got array");
  if (Z_TYPE_P(ok) != IS_TRUE && Z_TYPE_P(ok) != IS_FALSE) return invalid("\"ok\" must be true or false");
  EnvelopeOutcome o;
  if (Z_TYPE_P(ok) == IS_FALSE) {
    zval* error = zend_hash_str_find_deref(ht, "error", 5);
    if (error && Z_TYPE_P(error) == IS_STRING && Z_STRLEN_P(error) > 0) o.error.assign(Z_STRVAL_P(error), Z_STRLEN_P(error));
    else o.error = kWorkerError;
    return o;
  }
  zval null_result;
  ZVAL_NULL(&null_result);
  zval* result = zend_hash_str_find(ht, "result", 6);
  ValueWriter w;
  std::string error;
  o.status = to_value(result ? result : &null_result, "result", w, error);
  if (o.status == Convert::Invalid) {
    o.status = Convert::Ok;
    o.error = kInvalidEnvelope + error;
    return o;
  }
  o.ok = o.status == Convert::Ok;
  if (o.ok) o.result = w.finish();
  return o;
}

}  // namespace

EnvelopeOutcome read_envelope(zval* envelope) {
  ZVAL_DEREF(envelope);
  if (Z_TYPE_P(envelope) == IS_ARRAY) return read_array(Z_ARRVAL_P(envelope));
  if (Z_TYPE_P(envelope) != IS_STRING) return invalid(std::string("expected an array with \"ok\", got ") + zend_zval_type_name(envelope));
  zval decoded;
  if (php_json_decode_ex(&decoded, Z_STRVAL_P(envelope), Z_STRLEN_P(envelope), PHP_JSON_OBJECT_AS_ARRAY, 512) == FAILURE) {
    zval_ptr_dtor(&decoded);
    return invalid("the worker returned a string that is not valid JSON");
  }
  EnvelopeOutcome o = Z_TYPE(decoded) == IS_ARRAY
                          ? read_array(Z_ARRVAL(decoded))
                          : invalid(std::string("expected an array with \"ok\", got ") + zend_zval_type_name(&decoded));
  zval_ptr_dtor(&decoded);
  return o;
}

}  // namespace pogo::jobs
