#include "ingest/catalog_import.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "ingest/catalog_formats_internal.h"
#include "ingest/csv_reader.h"
#include "ingest/json_internal.h"

namespace aisle::ingest {
namespace {

// Imports are whole files, not requests: no document limit.
ValidationLimits ImportLimits() {
  ValidationLimits limits;
  limits.max_documents = std::numeric_limits<size_t>::max();
  return limits;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::optional<CatalogFormat> FormatFromName(std::string_view name) {
  const std::string lower = Lower(name.substr(name.find_last_of('/') + 1));
  // The extension names the syntax; it wins over a vendor name.
  if (EndsWith(lower, ".ndjson") || EndsWith(lower, ".jsonl")) return CatalogFormat::kAisleNdjson;
  if (lower.find("bigbasket") != std::string::npos) return CatalogFormat::kBigBasket;
  if (lower.find("flipkart") != std::string::npos) return CatalogFormat::kFlipkart;
  if (lower.find("bestbuy") != std::string::npos || lower.find("best-buy") != std::string::npos ||
      lower.find("best_buy") != std::string::npos) {
    return CatalogFormat::kBestBuy;
  }
  return std::nullopt;
}

absl::StatusOr<CatalogFormat> FormatFromContent(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() &&
         (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) {
    ++i;
  }
  const std::string_view head = bytes.substr(i, 4096);
  if (head.empty()) return CatalogFormat::kAisleJson;  // Nothing to import either way.
  if (head[0] == '{') return CatalogFormat::kAisleNdjson;
  if (head[0] == '[') {
    // Best Buy objects have "name" where aisle's have "title".
    const bool has_title = head.find("\"title\"") != std::string_view::npos;
    const bool has_name = head.find("\"name\"") != std::string_view::npos;
    return has_name && !has_title ? CatalogFormat::kBestBuy : CatalogFormat::kAisleJson;
  }
  const std::string first_line = Lower(head.substr(0, head.find('\n')));
  if (first_line.rfind("index,product,", 0) == 0) return CatalogFormat::kBigBasket;
  if (first_line.find("uniq_id") != std::string::npos &&
      first_line.find("product_name") != std::string::npos) {
    return CatalogFormat::kFlipkart;
  }
  return absl::InvalidArgumentError(
      "unrecognised catalog format (not BigBasket or Flipkart CSV, Best Buy JSON, aisle JSON or "
      "NDJSON)");
}

// Replaces invalid UTF-8 in place; true when anything was replaced.
bool RepairFields(std::vector<std::string>* fields) {
  bool repaired = false;
  std::string fixed;
  for (std::string& field : *fields) {
    if (IsValidUtf8(field)) continue;
    RepairUtf8(field, &fixed);
    field.swap(fixed);
    repaired = true;
  }
  return repaired;
}

absl::StatusOr<ImportedCatalog> ImportCsv(std::string_view bytes, CatalogFormat format) {
  const ValidationLimits limits = ImportLimits();
  internal::CsvReader reader(bytes);
  internal::CsvRecord record;
  AISLE_ASSIGN_OR_RETURN(const bool has_header, reader.Next(&record));
  if (!has_header) return absl::InvalidArgumentError("CSV catalog without a header row");
  RepairFields(&record.fields);
  const std::vector<std::string> header = record.fields;
  AISLE_ASSIGN_OR_RETURN(const internal::RowMapper map,
                         format == CatalogFormat::kBigBasket
                             ? internal::BigBasketRowMapper(header, limits)
                             : internal::FlipkartRowMapper(header, limits));
  ImportedCatalog out;
  for (size_t index = 0;; ++index) {
    const absl::StatusOr<bool> more = reader.Next(&record);
    if (more.ok() && !*more) break;
    absl::Status status = more.status();
    if (RepairFields(&record.fields)) out.repaired_lines.push_back(record.line);
    Product product;
    if (status.ok() && record.fields.size() != header.size()) {
      status = absl::InvalidArgumentError(
          absl::StrCat("expected ", header.size(), " fields, found ", record.fields.size()));
    }
    if (status.ok()) status = map(record.fields, &product);
    if (status.ok()) status = ValidateProduct(product, limits);
    if (status.ok()) {
      out.products.push_back(std::move(product));
    } else {
      out.rejected.push_back(
          Rejection{index, record.line, std::move(product.id), std::string(status.message())});
    }
    if (!more.ok()) break;  // An unterminated quote ran to the end of the file.
  }
  return out;
}

// JSON bodies: invalid UTF-8 is repaired line by line before parsing (so
// simdjson sees valid text); the lines are reported.
std::string_view RepairLines(std::string_view bytes, std::string* storage,
                             std::vector<size_t>* lines) {
  if (IsValidUtf8(bytes)) return bytes;
  storage->clear();
  storage->reserve(bytes.size() + 64);
  std::string fixed;
  size_t line = 1;
  for (size_t start = 0; start < bytes.size(); ++line) {
    size_t end = bytes.find('\n', start);
    end = end == std::string_view::npos ? bytes.size() : end + 1;
    const std::string_view text = bytes.substr(start, end - start);
    if (IsValidUtf8(text)) {
      storage->append(text);
    } else {
      RepairUtf8(text, &fixed);
      storage->append(fixed);
      lines->push_back(line);
    }
    start = end;
  }
  return *storage;
}

absl::StatusOr<ImportedCatalog> ImportBestBuy(std::string_view bytes) {
  ImportedCatalog out;
  std::string storage;
  bytes = RepairLines(bytes, &storage, &out.repaired_lines);
  const ValidationLimits limits = ImportLimits();
  AISLE_RETURN_IF_ERROR(internal::ReadJsonArray(
      bytes, internal::BestBuyField, limits.max_documents,
      [&](internal::DecodedDocument& document) {
        Product& p = document.product;
        p.id = absl::StrCat("bestbuy-", document.index);
        p.currency = "USD";
        absl::Status status = document.reason.empty() ? ValidateProduct(p, limits)
                                                      : absl::InvalidArgumentError(document.reason);
        if (status.ok()) {
          out.products.push_back(std::move(p));
        } else {
          out.rejected.push_back(Rejection{document.index, document.line, std::move(p.id),
                                           std::string(status.message())});
        }
      }));
  return out;
}

absl::StatusOr<ImportedCatalog> ImportAisle(std::string_view bytes, Format format) {
  ImportedCatalog out;
  std::string storage;
  bytes = RepairLines(bytes, &storage, &out.repaired_lines);
  AISLE_ASSIGN_OR_RETURN(ParsedProducts parsed, ParseProducts(bytes, format, ImportLimits()));
  out.products = std::move(parsed.products);
  out.rejected = std::move(parsed.rejected);
  return out;
}

}  // namespace

absl::StatusOr<ImportedCatalog> ImportCatalog(std::string_view bytes, std::string_view name,
                                              CatalogFormat format) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";  // Spreadsheet exports start with one.
  if (bytes.substr(0, kBom.size()) == kBom) bytes.remove_prefix(kBom.size());
  if (format == CatalogFormat::kAuto) {
    if (auto by_name = FormatFromName(name)) {
      format = *by_name;
    } else {
      AISLE_ASSIGN_OR_RETURN(format, FormatFromContent(bytes));
    }
  }
  switch (format) {
    case CatalogFormat::kBigBasket:
    case CatalogFormat::kFlipkart:
      return ImportCsv(bytes, format);
    case CatalogFormat::kBestBuy:
      return ImportBestBuy(bytes);
    case CatalogFormat::kAisleJson:
      return ImportAisle(bytes, Format::kJson);
    case CatalogFormat::kAisleNdjson:
      return ImportAisle(bytes, Format::kNdjson);
    case CatalogFormat::kAuto:
      break;
  }
  return absl::InvalidArgumentError("unknown catalog format");
}

absl::StatusOr<ImportedCatalog> ImportCatalogFile(const std::string& path, CatalogFormat format) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return ImportCatalog(bytes.str(), path, format);
}

}  // namespace aisle::ingest
