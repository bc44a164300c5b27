# The libFuzzer targets: one executable per tests/fuzz/*_fuzz.cpp, linked against the
# instrumented library (SSHD_HEALTH_FUZZ in the top CMakeLists.txt). `make fuzz` builds
# and runs them; tests/fuzz/tests.cmake runs them briefly in `make test`.
file(GLOB SSHD_HEALTH_FUZZ_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/*_fuzz.cpp)
foreach(src ${SSHD_HEALTH_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE sshd_health_lib sshd_health_warnings)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_SOURCE_DIR}/tests/fakes)
  target_compile_definitions(${name} PRIVATE SSHD_HEALTH_SOURCE_TREE="${PROJECT_SOURCE_DIR}")
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
