#include "server/body_format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/errors.h"

namespace aisle::server {

absl::StatusOr<ingest::Format> BodyFormat(const Request& request) {
  const std::string type = request.ContentType();
  if (type.empty() || type == "application/json") return ingest::Format::kJson;
  if (type == "application/x-ndjson" || type == "application/ndjson" ||
      type == "application/jsonl") {
    return ingest::Format::kNdjson;
  }
  if (type == "application/x-protobuf" || type == "application/protobuf") {
    return ingest::Format::kProtobuf;
  }
  return WithErrorCode(
      InvalidArgumentError(absl::StrCat("unsupported Content-Type '", type,
                                        "': use application/json, application/x-ndjson or "
                                        "application/x-protobuf"),
                           "Content-Type"),
      "unsupported_media_type");
}

void WriteRejections(const std::vector<ingest::Rejection>& rejected, JsonWriter* out) {
  out->Key("rejected").BeginArray();
  for (const ingest::Rejection& r : rejected) {
    out->BeginObject().Key("index").Uint(r.index);
    if (r.line > 0) out->Key("line").Uint(r.line);
    if (!r.id.empty()) out->Key("id").String(r.id);
    out->Key("reason").String(r.reason).EndObject();
  }
  out->EndArray();
}

}  // namespace aisle::server
