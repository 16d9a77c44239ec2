// Walking the documents of a JSON array or NDJSON body.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "ingest/json_internal.h"

namespace aisle::ingest::internal {
namespace {

namespace sj = simdjson;
namespace od = simdjson::ondemand;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view text) { return std::all_of(text.begin(), text.end(), IsJsonSpace); }

size_t FirstNonSpace(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsJsonSpace(text[i])) ++i;
  return i;
}

absl::Status BodyError(std::string_view body, size_t position, std::string_view what) {
  LineCounter lines(body);
  const size_t line = lines.LineAt(std::min(position, body.size()));
  return InvalidArgumentError(
      absl::StrCat(std::string(what), " at line ", line, " (byte ", position, ")"), "body",
      position);
}

// A structural error: where simdjson stopped, else `fallback`.
absl::Status JsonError(std::string_view body, const char* base, od::document& doc, sj::error_code e,
                       size_t fallback) {
  if (e == sj::UTF8_ERROR) {
    return BodyError(body, FindInvalidUtf8(body).value_or(fallback), "body: invalid UTF-8");
  }
  size_t position = fallback;
  if (e == sj::INCOMPLETE_ARRAY_OR_OBJECT) {
    position = body.size();
  } else if (const char* at; doc.current_location().get(at) == sj::SUCCESS) {
    position = static_cast<size_t>(at - base);
  }
  return BodyError(body, position, absl::StrCat("body: invalid JSON (", sj::error_message(e), ")"));
}

absl::Status TooManyDocuments(std::string_view body, size_t offset, size_t max_documents) {
  return BodyError(body, offset,
                   absl::StrCat("body: more than ", max_documents, " documents; the limit is hit"));
}

// Decodes one NDJSON line into `document` (reason set when it fails).
void DecodeLine(od::parser& parser, sj::padded_string_view line, FieldLookup lookup,
                DecodedDocument* document) {
  od::document doc;
  sj::error_code e = parser.iterate(line).get(doc);
  od::object object;
  if (!e) e = doc.get_object().get(object);
  if (e == sj::UTF8_ERROR) {
    const auto bad = FindInvalidUtf8(std::string_view(line.data(), line.length()));
    document->reason = absl::StrCat("invalid UTF-8 at byte ", bad.value_or(0), " of the line");
    return;
  }
  if (e == sj::INCORRECT_TYPE) {
    document->reason = "expected a JSON object";
    return;
  }
  DecodeResult result;
  if (!e) {
    result = DecodeProduct(object, lookup, &document->product);
    e = result.fatal;
  }
  if (e) {
    document->reason = absl::StrCat("invalid JSON (", sj::error_message(e), ")");
    return;
  }
  document->reason = std::move(result.reason);
  if (const char* at; doc.current_location().get(at) == sj::SUCCESS) {
    if (document->reason.empty()) document->reason = "unexpected content after the object";
  }
}

}  // namespace

size_t LineCounter::LineAt(size_t offset) {
  offset = std::min(offset, text_.size());
  if (offset < offset_) {
    offset_ = 0;
    line_ = 1;
  }
  line_ += static_cast<size_t>(std::count(text_.data() + offset_, text_.data() + offset, '\n'));
  offset_ = offset;
  return line_;
}

absl::Status ReadJsonArray(std::string_view body, FieldLookup lookup, size_t max_documents,
                           const DocumentSink& sink) {
  if (IsBlank(body)) return absl::OkStatus();
  const sj::padded_string padded(body.data(), body.size());
  const char* base = padded.data();
  od::parser parser;
  od::document doc;
  od::array array;
  sj::error_code e = parser.iterate(padded).get(doc);
  if (!e) e = doc.get_array().get(array);
  if (e == sj::INCORRECT_TYPE) {
    return BodyError(body, FirstNonSpace(body), "body: expected a JSON array of products");
  }
  if (e) return JsonError(body, base, doc, e, FirstNonSpace(body));
  LineCounter lines(body);
  DecodedDocument document;
  size_t index = 0;
  for (auto element_result : array) {
    od::value element;
    if ((e = element_result.get(element))) return JsonError(body, base, doc, e, 0);
    const size_t offset = static_cast<size_t>(element.raw_json_token().data() - base);
    if (index == max_documents) return TooManyDocuments(body, offset, max_documents);
    document = DecodedDocument{index++, offset, lines.LineAt(offset), Product{}, std::string()};
    od::object object;
    e = element.get_object().get(object);
    if (e == sj::INCORRECT_TYPE) {
      document.reason = "expected a JSON object";
    } else if (e) {
      return JsonError(body, base, doc, e, offset);
    } else {
      DecodeResult result = DecodeProduct(object, lookup, &document.product);
      if (result.fatal) return JsonError(body, base, doc, result.fatal, offset);
      document.reason = std::move(result.reason);
    }
    sink(document);
  }
  if (const char* at; doc.current_location().get(at) == sj::SUCCESS) {
    return BodyError(body, static_cast<size_t>(at - base),
                     "body: unexpected content after the array");
  }
  return absl::OkStatus();
}

absl::Status ReadNdjson(std::string_view body, FieldLookup lookup, size_t max_documents,
                        const DocumentSink& sink) {
  if (IsBlank(body)) return absl::OkStatus();
  // One padded copy; each line is parsed in place (the rest of the buffer is
  // its padding), so a bad line cannot disturb its neighbours. Not
  // iterate_many: its stage 1 runs over whole batches, so one line of invalid
  // UTF-8 or broken structure would fail the documents around it too.
  const sj::padded_string padded(body.data(), body.size());
  const char* base = padded.data();
  const size_t capacity = padded.size() + sj::SIMDJSON_PADDING;
  od::parser parser;
  DecodedDocument document;
  size_t index = 0;
  size_t line = 0;
  for (size_t start = 0; start < body.size();) {
    ++line;
    const void* newline = std::memchr(base + start, '\n', body.size() - start);
    const size_t end =
        newline ? static_cast<size_t>(static_cast<const char*>(newline) - base) : body.size();
    const std::string_view text(base + start, end - start);
    const size_t offset = start;
    start = end + 1;
    if (IsBlank(text)) continue;
    if (index == max_documents) return TooManyDocuments(body, offset, max_documents);
    document = DecodedDocument{index++, offset, line, Product{}, std::string()};
    DecodeLine(parser, sj::padded_string_view(text.data(), text.size(), capacity - offset), lookup,
               &document);
    sink(document);
  }
  return absl::OkStatus();
}

}  // namespace aisle::ingest::internal
