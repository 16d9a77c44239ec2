#include "server/settings_table.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/errors.h"
#include "server/json_read.h"

namespace aisle::server::settings_table {

NumberField Real(const char* name, double* target) { return {.name = name, .real = target}; }

NumberField Count(const char* name, int64_t* target) { return {.name = name, .count = target}; }

NumberField Count(const char* name, size_t* target) { return {.name = name, .size = target}; }

const NumberField* FindField(const std::vector<NumberField>& fields, std::string_view name) {
  for (const NumberField& f : fields) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

const Section* FindSection(const std::vector<Section>& sections, std::string_view name) {
  for (const Section& s : sections) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

std::string FieldNames(const std::vector<NumberField>& fields) {
  std::vector<std::string> names;
  for (const NumberField& f : fields) names.emplace_back(f.name);
  return absl::StrJoin(names, ", ");
}

absl::Status ReadNumber(simdjson::ondemand::value value, std::string_view path,
                        const NumberField& field) {
  if (field.real != nullptr) return json::Number(value, path, field.real);
  int64_t count = 0;
  if (value.get_int64().get(count)) return json::TypeError(path, "an integer");
  if (field.count != nullptr) {
    *field.count = count;
  } else {
    *field.size = count < 0 ? 0 : static_cast<size_t>(count);
  }
  return absl::OkStatus();
}

absl::Status ReadSection(simdjson::ondemand::value value, const Section& section,
                         std::string_view kind) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return json::TypeError(section.name, "an object");
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
      return InvalidArgumentError(absl::StrCat(section.name, ": malformed object"), section.name);
    }
    const NumberField* target = FindField(section.fields, key);
    if (target == nullptr) {
      return InvalidArgumentError(
          absl::StrCat("unknown ", std::string(kind), " setting '", section.name, ".",
                       std::string(key), "': use ", FieldNames(section.fields)),
          section.name);
    }
    const std::string path = absl::StrCat(section.name, ".", std::string(key));
    AISLE_RETURN_IF_ERROR(ReadNumber(field.value(), path, *target));
  }
  return absl::OkStatus();
}

void WriteNumber(const NumberField& field, JsonWriter* out) {
  out->Key(field.name);
  if (field.real != nullptr) {
    out->Double(*field.real);
  } else if (field.count != nullptr) {
    out->Int(*field.count);
  } else {
    out->Uint(*field.size);
  }
}

void WriteSection(const Section& section, JsonWriter* out) {
  out->Key(section.name).BeginObject();
  for (const NumberField& f : section.fields) WriteNumber(f, out);
  out->EndObject();
}

}  // namespace aisle::server::settings_table
