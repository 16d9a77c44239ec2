# The application layer of server/: request handlers, codecs and the `aisle`
# binary. (The transport, aisle_http, is defined above.)
add_library(aisle_server STATIC
  body_format.cc catalog_handlers.cc flags.cc json_read.cc ops_handlers.cc product_json.cc search_codec.cc
  signal_handlers.cc event_handlers.cc pricing_handlers.cc behaviour_pipeline.cc gen_command.cc import_command.cc
  reprice_job.cc profile_sync.cc settings_handlers.cc personalization.cc inventory_handlers.cc
  cart_handlers.cc
  order_handlers.cc
  order_json.cc
  review_handlers.cc
  outbox_dispatcher.cc
  purchase_events.cc
  serve_command.cc
  replenishment_handlers.cc
  fraud_settings.cc
  pricing_settings.cc
  recommendation_handlers.cc
  recommendation_settings.cc
  settings_table.cc
  recommendation_adapters.cc
  recommendation_models.cc)
target_link_libraries(aisle_server PUBLIC
  aisle_http aisle_ranking aisle_index aisle_ingest aisle_store aisle_commerce aisle_proto aisle_base
  simdjson::simdjson absl::strings)

add_executable(aisle main.cc)
target_link_libraries(aisle PRIVATE aisle_server)
# The binary sits at the top of the build tree, where README and tests find it.
set_target_properties(aisle PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
