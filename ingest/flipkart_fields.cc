#include "ingest/flipkart_fields.h"

#include <cstdint>
#include <optional>

namespace aisle::ingest::internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // A lone surrogate is not text.
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes \xHH (2 digits) or \uHHHH (4 digits) at text[*i] (just after the
// 'x' / 'u'); false when the digits are missing.
bool DecodeHexEscape(std::string_view text, size_t* i, size_t digits, std::string* out) {
  if (*i + digits > text.size()) return false;
  uint32_t cp = 0;
  for (size_t k = 0; k < digits; ++k) {
    const int v = HexValue(text[*i + k]);
    if (v < 0) return false;
    cp = cp * 16 + static_cast<uint32_t>(v);
  }
  *i += digits;
  AppendUtf8(cp, out);
  return true;
}

// A quoted string starting at text[*i] (the quote). Advances past the
// closing quote; nullopt when it never closes.
std::optional<std::string> ReadQuoted(std::string_view text, size_t* i) {
  const char quote = text[*i];
  std::string out;
  for (size_t k = *i + 1; k < text.size();) {
    const char c = text[k++];
    if (c == quote) {
      *i = k;
      return out;
    }
    if (c != '\\' || k >= text.size()) {
      out.push_back(c);
      continue;
    }
    const char e = text[k++];
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '\\':
      case '\'':
      case '"':
      case '/':
        out.push_back(e);
        break;
      case 'x':
      case 'u':
        if (!DecodeHexEscape(text, &k, e == 'x' ? 2 : 4, &out)) out.append({'\\', e});
        break;
      default:
        out.append({'\\', e});
        break;
    }
  }
  return std::nullopt;
}

std::string CollapseSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : Trim(text)) {
    if (IsSpace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Lower-cased words of ASCII letters and digits ("Kripa's  Home" -> kripas, home).
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words(1);
  for (const char c : text) {
    if (c >= 'A' && c <= 'Z') {
      words.back().push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      words.back().push_back(c);
    } else if (IsSpace(c) && !words.back().empty()) {
      words.emplace_back();
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

bool StartsWithWords(const std::vector<std::string>& words,
                     const std::vector<std::string>& prefix) {
  if (prefix.empty() || words.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (words[i] != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> ParseQuotedList(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\'' && text[i] != '"') {
      ++i;
      continue;
    }
    auto value = ReadQuoted(text, &i);
    if (!value) break;
    out.push_back(std::move(*value));
  }
  return out;
}

std::vector<std::string> ParseCategoryTree(std::string_view text) {
  std::vector<std::string> raw = ParseQuotedList(text);
  if (raw.size() == 1 && raw[0].find(" >> ") != std::string::npos) {
    std::string_view path = raw[0];
    std::vector<std::string> split;
    for (size_t cut; (cut = path.find(" >> ")) != std::string_view::npos;) {
      split.emplace_back(path.substr(0, cut));
      path.remove_prefix(cut + 4);
    }
    split.emplace_back(path);
    raw = std::move(split);
  }
  std::vector<std::string> levels;
  for (const std::string& level : raw) {
    std::string clean = CollapseSpaces(level);
    if (!clean.empty()) levels.push_back(std::move(clean));
  }
  return levels;
}

void DropProductSpecificLevels(std::string_view product_name, std::string_view brand,
                               std::vector<std::string>* levels) {
  std::vector<std::string> key = Words(brand);
  const bool by_brand = !key.empty();
  if (!by_brand) {
    key = Words(product_name);
    if (key.size() > 1) key.resize(1);
  }
  if (key.empty()) return;
  for (size_t i = by_brand ? 0 : 2; i < levels->size(); ++i) {
    if (StartsWithWords(Words((*levels)[i]), key)) {
      levels->resize(i);
      return;
    }
  }
}

std::vector<std::pair<std::string, std::string>> ParseSpecifications(std::string_view text) {
  struct Entry {
    std::optional<std::string> key, value;
  };
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<Entry> open;          // Innermost dict last.
  std::optional<std::string> name;  // A string that may be followed by ':' / '=>'.
  bool after_separator = false;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\'' || c == '"') {
      auto value = ReadQuoted(text, &i);
      if (!value) break;
      if (after_separator && name && !open.empty()) {
        if (*name == "key") open.back().key = std::move(*value);
        if (*name == "value") open.back().value = std::move(*value);
        name.reset();
      } else {
        name = std::move(*value);
      }
      after_separator = false;
      continue;
    }
    if (c == ':' || (c == '=' && i + 1 < text.size() && text[i + 1] == '>')) {
      after_separator = name.has_value();
      i += c == ':' ? 1 : 2;
      continue;
    }
    if (!IsSpace(c)) {
      if (c == '{') open.emplace_back();
      if (c == '}' && !open.empty()) {
        Entry entry = std::move(open.back());
        open.pop_back();
        if (entry.key && entry.value)
          out.emplace_back(std::move(*entry.key), std::move(*entry.value));
      }
      name.reset();
      after_separator = false;
    }
    ++i;
  }
  return out;
}

std::string NormalizeAttributeName(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool pending_separator = false;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || u >= 0x80;
    if ((c >= 'A' && c <= 'Z') || word) {
      if (pending_separator && !out.empty()) out.push_back('_');
      pending_separator = false;
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    } else {
      pending_separator = true;
    }
  }
  return out;
}

}  // namespace aisle::ingest::internal
