// Expectations on aisle's error convention: domain errors start with a
// stable reason code ("insufficient_stock: ..."), validation errors are
// InvalidArgument naming their field (base/status.h ErrorField).
#ifndef AISLE_TESTS_TESTING_STATUS_EXPECT_H_
#define AISLE_TESTS_TESTING_STATUS_EXPECT_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace aisle::testing {

// `status` has `code` and a message starting with "<reason>: ".
inline void ExpectReason(const absl::Status& status, absl::StatusCode code, const char* reason) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(absl::StrCat(reason, ": ")))
      << status;
}

// `status` is InvalidArgument naming `field`.
inline void ExpectInvalid(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field << ": " << status;
  EXPECT_EQ(ErrorField(status), field) << status;
}

}  // namespace aisle::testing

#endif  // AISLE_TESTS_TESTING_STATUS_EXPECT_H_
