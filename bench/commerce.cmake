# Commerce engine microbenchmarks. Included from bench/CMakeLists.txt with
#   include(${CMAKE_CURRENT_SOURCE_DIR}/commerce.cmake)
add_executable(commerce_bench ${CMAKE_CURRENT_LIST_DIR}/commerce_bench.cc)
target_link_libraries(commerce_bench PRIVATE aisle_commerce benchmark::benchmark)
