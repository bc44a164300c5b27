# The Debian package built, linted, installed, run, removed and purged on this machine
# (tests/packaging/deb_test.sh). It installs into the real system, so it runs alone; the
# package build takes minutes on a cold ccache, hence the long timeout.
add_test(NAME packaging.deb
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/deb_test.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging.deb PROPERTIES
  LABELS packaging
  TIMEOUT 1800
  RUN_SERIAL TRUE
  SKIP_RETURN_CODE 77
  ENVIRONMENT "JOBS=2")

# The unit from the source tree: verify clean, exposure 2.0 or lower (seconds).
add_test(NAME packaging.unit
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/unit_test.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:sshd-health>)
set_tests_properties(packaging.unit PROPERTIES LABELS packaging TIMEOUT 60)

# The package as users run it: installed in a container booted from this machine's root
# with systemd-nspawn (tests/packaging/nspawn.sh), enabled, attacked, audited, reloaded,
# frozen, killed, rebooted, upgraded, purged (tests/packaging/nspawn_test.sh, about 3 min
# after a warm `make deb`). It mounts an overlay and boots a container: it runs alone.
add_test(NAME packaging.nspawn
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/nspawn_test.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging.nspawn PROPERTIES
  LABELS packaging
  TIMEOUT 1800
  RUN_SERIAL TRUE
  SKIP_RETURN_CODE 77
  ENVIRONMENT "JOBS=2")
