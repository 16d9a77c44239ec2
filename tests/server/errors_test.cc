#include "server/errors.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "absl/strings/cord.h"

namespace aisle::server {
namespace {

TEST(ErrorResponse, HasCodeAndMessage) {
  Response r = ErrorResponse(404, "not_found", "no product p1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no product p1"}})");
}

TEST(ErrorResponse, AddsFieldAndPositionWhenGiven) {
  Response r = ErrorResponse(400, "invalid_filter", "unexpected \"AND\"", "filter", 7);
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_filter","message":"unexpected \"AND\"",)"
                    R"("field":"filter","position":7}})");
  Response only_position = ErrorResponse(400, "bad", "m", "", 0);
  EXPECT_EQ(only_position.body, R"({"error":{"code":"bad","message":"m","position":0}})");
}

TEST(ErrorResponse, StaysValidJsonForHostileMessages) {
  Response r = ErrorResponse(400, "x", std::string("bad \xFF\x00\n\"", 8), "f\\");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.body).get(doc), simdjson::SUCCESS) << r.body;
  std::string_view message;
  ASSERT_EQ(doc.at_pointer("/error/message").get(message), simdjson::SUCCESS);
  EXPECT_EQ(message, std::string("bad \xEF\xBF\xBD\x00\n\"", 10));
}

TEST(FromStatus, MapsEveryCodeToItsHttpStatus) {
  struct Case {
    absl::Status status;
    int http;
    const char* code;
  };
  const Case cases[] = {
      {absl::InvalidArgumentError("m"), 400, "invalid_argument"},
      {absl::OutOfRangeError("m"), 400, "out_of_range"},
      {absl::UnauthenticatedError("m"), 401, "unauthenticated"},
      {absl::PermissionDeniedError("m"), 403, "permission_denied"},
      {absl::NotFoundError("m"), 404, "not_found"},
      {absl::AlreadyExistsError("m"), 409, "already_exists"},
      {absl::AbortedError("m"), 409, "aborted"},
      {absl::FailedPreconditionError("m"), 409, "failed_precondition"},
      {absl::ResourceExhaustedError("m"), 429, "resource_exhausted"},
      {absl::UnavailableError("m"), 503, "unavailable"},
      {absl::DeadlineExceededError("m"), 504, "deadline_exceeded"},
      {absl::InternalError("m"), 500, "internal"},
      {absl::UnknownError("m"), 500, "internal"},
      {absl::DataLossError("m"), 500, "data_loss"},
      {absl::UnimplementedError("m"), 500, "unimplemented"},
      {absl::CancelledError("m"), 500, "cancelled"},
  };
  for (const Case& c : cases) {
    Response r = FromStatus(c.status);
    EXPECT_EQ(r.status, c.http) << c.status;
    EXPECT_EQ(r.body, std::string(R"({"error":{"code":")") + c.code + R"(","message":"m"}})")
        << c.status;
  }
}

TEST(FromStatus, UsesFieldAndPositionFromBaseStatus) {
  Response r = FromStatus(InvalidArgumentError("unexpected token", "filter", 12));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_filter","message":"unexpected token",)"
                    R"("field":"filter","position":12}})");
}

TEST(FromStatus, DerivesInvalidFieldCodeFromCamelCaseField) {
  EXPECT_EQ(FromStatus(InvalidArgumentError("m", "hitsPerPage")).body,
            R"({"error":{"code":"invalid_hits_per_page","message":"m","field":"hitsPerPage"}})");
  // Only invalid arguments: a field on another code keeps the generic code.
  absl::Status not_found = absl::NotFoundError("m");
  EXPECT_EQ(FromStatus(not_found).body, R"({"error":{"code":"not_found","message":"m"}})");
}

TEST(FromStatus, PrefersTheAttachedErrorCode) {
  absl::Status status =
      WithErrorCode(InvalidArgumentError("bad filter", "filter", 3), "invalid_filter");
  EXPECT_EQ(ErrorCode(status), "invalid_filter");
  Response r = FromStatus(status);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_filter","message":"bad filter","field":"filter",)"
                    R"("position":3}})");
  EXPECT_EQ(FromStatus(WithErrorCode(absl::FailedPreconditionError("gone"), "out_of_stock")).body,
            R"({"error":{"code":"out_of_stock","message":"gone"}})");
}

TEST(FromStatus, ErrorCodeAbsentOnPlainStatusAndOkStaysOk) {
  EXPECT_FALSE(ErrorCode(absl::NotFoundError("x")).has_value());
  EXPECT_TRUE(WithErrorCode(absl::OkStatus(), "whatever").ok());
}

TEST(FromStatus, ServerErrorsShowOnlyTheStatusMessage) {
  absl::Status status = absl::InternalError("index commit failed");
  status.SetPayload("secret/stack", absl::Cord(std::string("at /srv/aisle/index.cc:42")));
  Response r = FromStatus(status);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error":{"code":"internal","message":"index commit failed"}})");
}

TEST(FromStatus, OkStatusIsACallerBugReportedAs500) {
  Response r = FromStatus(absl::OkStatus());
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find(R"("code":"internal")"), std::string::npos);
}

TEST(WithStoreReason, ASnakeCasePrefixBecomesTheCodeAndAnythingElseIsUntouched) {
  const absl::Status short_stock =
      WithStoreReason(absl::FailedPreconditionError("insufficient_stock: requested 3, available 2"));
  EXPECT_EQ(ErrorCode(short_stock), "insufficient_stock");
  EXPECT_EQ(FromStatus(short_stock).status, 409);
  for (const char* message : {"no reason here", "Upper_case: x", ": empty", "two words: x"}) {
    EXPECT_FALSE(ErrorCode(WithStoreReason(absl::NotFoundError(message))).has_value()) << message;
  }
  EXPECT_TRUE(WithStoreReason(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace aisle::server
