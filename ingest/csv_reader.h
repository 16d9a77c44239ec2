// Internal: an RFC 4180 CSV reader over bytes in memory, for the catalog
// importer. Not thread-safe (one reader per thread); the text must outlive
// the reader.
//
// - Fields are separated by ','; a field that starts with '"' is quoted: it
//   may hold ',', '"' (doubled: "") and line breaks.
// - Records end at LF, CRLF or a bare CR outside quotes.
// - Lenient where RFC 4180 is strict, the way spreadsheets are: a '"' inside
//   an unquoted field is data, and text after a closing quote up to the next
//   ',' is appended to the field.
// - Empty lines between records are skipped (not records of one empty field).
// - A UTF-8 byte-order mark at the start is skipped.
// - Lines are counted by LF (as `wc -l`, `sed -n` and editors do): CRLF is one
//   line break, a bare CR ends a record but does not start a new line number.
#ifndef AISLE_INGEST_CSV_READER_H_
#define AISLE_INGEST_CSV_READER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aisle::ingest::internal {

struct CsvRecord {
  std::vector<std::string> fields;
  size_t line = 0;  // 1-based line the record starts on.
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // Reads the next record into `record` (its strings are reused). Returns
  // false at the end of the text. A quoted field still open at the end of
  // the text is InvalidArgument (field "csv", position = the byte where the
  // record starts); `record->line` is then the line the record starts on.
  absl::StatusOr<bool> Next(CsvRecord* record);

 private:
  // Reads one field at pos_ into `field`; sets `end_of_record` when the
  // field ended its record (line break or end of text).
  absl::Status ReadField(size_t record_start, std::string* field, bool* end_of_record);
  // Consumes the line break at pos_ (LF, CRLF or CR).
  void SkipLineBreak();

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_CSV_READER_H_
