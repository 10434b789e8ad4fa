#pragma once
// Tolerant reads of the analyze / quantize JSON for the views: a missing key, a non-object or a
// value of another type reads as null, NaN or an empty string, so a view never throws on a file.
#include <QObject>
#include <QString>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace json_fields {

inline const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json missing;
  if (!object.is_object()) return missing;
  const auto found = object.find(key);
  return found == object.end() ? missing : *found;
}

inline double number(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

inline QString text(const nlohmann::json& value) {
  return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
}

inline double numberAt(const nlohmann::json& object, const char* key) { return number(member(object, key)); }
inline QString textAt(const nlohmann::json& object, const char* key) { return text(member(object, key)); }

// A model's "name", or "model N" (N = index + 1) when it has none.
inline QString modelName(const nlohmann::json& model, size_t index) {
  const QString name = textAt(model, "name");
  return name.isEmpty() ? QObject::tr("model %1").arg(index + 1) : name;
}

}  // namespace json_fields
