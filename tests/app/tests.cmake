# Conformance against fail2ban's annotated sshd test logs, fetched from Debian's fail2ban
# package into the build tree (cached between runs; nothing installed).
add_test(NAME app.fail2ban_conformance
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/fail2ban_conformance.py
          --binary $<TARGET_FILE:sshd-health>
          --cache ${PROJECT_BINARY_DIR}/cache/fail2ban)
set_tests_properties(app.fail2ban_conformance PROPERTIES LABELS app TIMEOUT 300)
