#include "ingest/csv_reader.h"

#include <algorithm>

namespace aisle::ingest::internal {

CsvReader::CsvReader(std::string_view text) : text_(text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text_.substr(0, kBom.size()) == kBom) pos_ = kBom.size();
}

void CsvReader::SkipLineBreak() {
  if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
  } else {
    ++pos_;
    ++line_;
  }
}

absl::StatusOr<bool> CsvReader::Next(CsvRecord* record) {
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) SkipLineBreak();
  if (pos_ >= text_.size()) return false;
  record->line = line_;
  const size_t record_start = pos_;
  size_t count = 0;
  bool end_of_record = false;
  while (!end_of_record) {
    if (count == record->fields.size()) record->fields.emplace_back();
    AISLE_RETURN_IF_ERROR(ReadField(record_start, &record->fields[count], &end_of_record));
    ++count;
  }
  record->fields.resize(count);
  return true;
}

absl::Status CsvReader::ReadField(size_t record_start, std::string* field, bool* end_of_record) {
  field->clear();
  const size_t size = text_.size();
  if (pos_ < size && text_[pos_] == '"') {
    ++pos_;
    while (true) {
      const size_t quote = text_.find('"', pos_);
      const size_t stop = quote == std::string_view::npos ? size : quote;
      line_ += static_cast<size_t>(std::count(text_.begin() + pos_, text_.begin() + stop, '\n'));
      field->append(text_.substr(pos_, stop - pos_));
      if (quote == std::string_view::npos) {
        pos_ = size;
        return InvalidArgumentError("unterminated quoted field", "csv", record_start);
      }
      pos_ = quote + 1;
      if (pos_ < size && text_[pos_] == '"') {  // "" is one quote.
        field->push_back('"');
        ++pos_;
        continue;
      }
      break;
    }
  }
  const size_t start = pos_;
  while (pos_ < size && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
  field->append(text_.substr(start, pos_ - start));
  if (pos_ >= size) {
    *end_of_record = true;
  } else if (text_[pos_] == ',') {
    ++pos_;
  } else {
    *end_of_record = true;
    SkipLineBreak();
  }
  return absl::OkStatus();
}

}  // namespace aisle::ingest::internal
