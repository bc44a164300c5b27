# The fuzz targets in `make test` (label fuzz): fuzz.build configures and builds
# build-fuzz/ with clang-14 (the same tree `make fuzz` uses, ccache-backed: a warm rebuild
# takes seconds, a cold one minutes), then every target runs briefly on its seed corpus,
# about 30 s in all. A crash or a violated property fails the target's test and leaves
# the input in build-fuzz/fuzz-artifacts/.
set(SSHD_HEALTH_FUZZ_DIR ${PROJECT_SOURCE_DIR}/build-fuzz)
add_test(NAME fuzz.build
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/build_fuzzers.sh ${PROJECT_SOURCE_DIR} ${SSHD_HEALTH_FUZZ_DIR})
set_tests_properties(fuzz.build PROPERTIES
  LABELS fuzz
  TIMEOUT 2400
  FIXTURES_SETUP sshd_health_fuzz_build
  ENVIRONMENT "JOBS=2")
file(GLOB fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*_fuzz.cpp)
foreach(src ${fuzz_sources})
  get_filename_component(target ${src} NAME_WE)
  add_test(NAME fuzz.${target}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run_fuzzers.sh ${SSHD_HEALTH_FUZZ_DIR} 3 ${target})
  set_tests_properties(fuzz.${target} PROPERTIES
    LABELS fuzz
    TIMEOUT 120
    FIXTURES_REQUIRED sshd_health_fuzz_build)
endforeach()
