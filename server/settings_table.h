// Settings routes whose documents are sections of named numbers
// (GET|PUT /v1/settings/fraud, /v1/settings/recommendations): the table that
// maps each JSON name to the C++ field it reads and writes, and the reader
// and writer both routes share, so a name cannot be spelled differently on
// the way in and on the way out, and both refuse the same mistakes with the
// same messages.
//
// A route builds its table from pointers into a settings copy: the reader
// fills that copy from a partial-update object (fields left out keep their
// values), the writer prints it. What is not a number (fraud's "ipCountries")
// and the document's top-level order stay with the route.
//
// Thread-safety: stateless functions; a table is as safe as the settings its
// pointers point into.
#ifndef AISLE_SERVER_SETTINGS_TABLE_H_
#define AISLE_SERVER_SETTINGS_TABLE_H_

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "server/json_writer.h"

namespace aisle::server::settings_table {

// One numeric setting: exactly one of the pointers is set. Counts are JSON
// integers (100.0 is refused: a count with a fraction is a mistake).
struct NumberField {
  const char* name;
  double* real = nullptr;
  int64_t* count = nullptr;
  // A count held as size_t: a negative value becomes 0, which the route's
  // validation then refuses naming the field with its range.
  size_t* size = nullptr;
};

// {"name": {"field": number, ...}}.
struct Section {
  const char* name;
  std::vector<NumberField> fields;
};

NumberField Real(const char* name, double* target);
NumberField Count(const char* name, int64_t* target);
NumberField Count(const char* name, size_t* target);

// The field or section named `name`, or nullptr.
const NumberField* FindField(const std::vector<NumberField>& fields, std::string_view name);
const Section* FindSection(const std::vector<Section>& sections, std::string_view name);

// "a, b, c": the names a client may use, for an unknown-field message.
std::string FieldNames(const std::vector<NumberField>& fields);

// Reads one number into `field`; a wrong type is InvalidArgument on `path`.
absl::Status ReadNumber(simdjson::ondemand::value value, std::string_view path,
                        const NumberField& field);

// Reads {"name": number, ...} into the section's fields; fields absent keep
// their values. Any other name is InvalidArgument on the section:
// "unknown <kind> setting '<section>.<name>': use <its fields>".
absl::Status ReadSection(simdjson::ondemand::value value, const Section& section,
                         std::string_view kind);

// "name": number.
void WriteNumber(const NumberField& field, JsonWriter* out);
// "name": {every field, in table order}.
void WriteSection(const Section& section, JsonWriter* out);

}  // namespace aisle::server::settings_table

#endif  // AISLE_SERVER_SETTINGS_TABLE_H_
