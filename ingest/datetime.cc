#include <cstddef>

#include "ingest/datetime_internal.h"

namespace aisle::ingest::internal {
namespace {

// Reads exactly `width` ASCII digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* out) {
  if (*pos + width > text.size()) return false;
  int value = 0;
  for (size_t k = 0; k < width; ++k) {
    const char c = text[*pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  *out = value;
  return true;
}

bool Consume(std::string_view text, size_t* pos, char c) {
  if (*pos < text.size() && text[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Parses "Z", "+HH:MM", "+HHMM", "+HH" (or '-') at text[*pos] into seconds
// east of UTC. An empty rest is UTC.
bool ParseOffset(std::string_view text, size_t* pos, int* offset_seconds) {
  *offset_seconds = 0;
  if (*pos == text.size()) return true;
  if (Consume(text, pos, 'Z') || Consume(text, pos, 'z')) return *pos == text.size();
  const char sign = text[*pos];
  if (sign != '+' && sign != '-') return false;
  ++*pos;
  int hours = 0, minutes = 0;
  if (!ReadDigits(text, pos, 2, &hours) || hours > 23) return false;
  Consume(text, pos, ':');
  if (*pos < text.size() && (!ReadDigits(text, pos, 2, &minutes) || minutes > 59)) return false;
  if (*pos != text.size()) return false;
  *offset_seconds = (hours * 3600 + minutes * 60) * (sign == '-' ? -1 : 1);
  return true;
}

// Parses "HH:MM[:SS[.fraction]]" at text[*pos] into seconds of the day.
bool ParseTime(std::string_view text, size_t* pos, int* seconds_of_day) {
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 2, &hour) || !Consume(text, pos, ':') ||
      !ReadDigits(text, pos, 2, &minute)) {
    return false;
  }
  if (Consume(text, pos, ':')) {
    if (!ReadDigits(text, pos, 2, &second)) return false;
    if (Consume(text, pos, '.') || Consume(text, pos, ',')) {
      const size_t start = *pos;
      while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') ++*pos;
      if (*pos == start) return false;
    }
  }
  // 60 admits a leap second; it folds into the next minute like POSIX time.
  if (hour > 23 || minute > 59 || second > 60) return false;
  *seconds_of_day = hour * 3600 + minute * 60 + second;
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> ParseIsoDateTime(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Consume(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Consume(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int seconds_of_day = 0;
  int offset = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
    ++pos;
    if (!ParseTime(text, &pos, &seconds_of_day)) return std::nullopt;
    Consume(text, &pos, ' ');
    if (!ParseOffset(text, &pos, &offset)) return std::nullopt;
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         seconds_of_day - offset;
}

}  // namespace aisle::ingest::internal
