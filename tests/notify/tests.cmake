# The notify tests start the python receivers that live beside them.
target_compile_definitions(notify_tests PRIVATE
  SSHD_HEALTH_NOTIFY_TEST_DIR="${CMAKE_CURRENT_LIST_DIR}")
