// The format of a request body from its Content-Type, shared by every route
// that accepts JSON, NDJSON or protobuf.
#ifndef AISLE_SERVER_BODY_FORMAT_H_
#define AISLE_SERVER_BODY_FORMAT_H_

#include <vector>

#include "base/status.h"
#include "ingest/product_parser.h"
#include "server/http.h"
#include "server/json_writer.h"

namespace aisle::server {

// application/json (or no Content-Type), application/x-ndjson (also
// application/ndjson, application/jsonl), application/x-protobuf (also
// application/protobuf). Anything else: InvalidArgument on field
// "Content-Type" with code unsupported_media_type.
absl::StatusOr<ingest::Format> BodyFormat(const Request& request);

// "rejected": [{"index", "line", "id", "reason"}, ...] of an ingest response.
void WriteRejections(const std::vector<ingest::Rejection>& rejected, JsonWriter* out);

}  // namespace aisle::server

#endif  // AISLE_SERVER_BODY_FORMAT_H_
