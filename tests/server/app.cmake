# End-to-end tests of the application layer (handlers, codecs, the binary).
aisle_test(server_app_test
  SOURCES catalog_handlers_test.cc real_catalogs_test.cc aisle_process_test.cc
    signal_handlers_test.cc event_handlers_test.cc
    pricing_handlers_test.cc reprice_job_test.cc profile_sync_test.cc
    settings_handlers_test.cc search_codec_test.cc inventory_handlers_test.cc
    cart_handlers_test.cc order_handlers_test.cc outbox_dispatcher_test.cc
    replenishment_handlers_test.cc
    pricing_settings_test.cc
    fraud_settings_test.cc
    fraud_routes_test.cc
  LIBS aisle_server aisle_proto simdjson::simdjson)
# The process test runs the built binary.
add_dependencies(server_app_test aisle)
# The recommendation routes and their settings, and the settings table they
# share with the fraud settings (own target: quick to build and run on their
# own).
aisle_test(recommendation_routes_test
  SOURCES recommendation_handlers_test.cc recommendation_settings_test.cc settings_table_test.cc
  LIBS aisle_server simdjson::simdjson)
# The recommendation model lifecycle (training, persistence, content index).
aisle_test(recommendation_models_test
  SOURCES recommendation_models_test.cc
  LIBS aisle_server)
