# The include-layer rule (tests/structure/layers.py holds the table).
add_test(NAME structure.layers
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/layers.py ${PROJECT_SOURCE_DIR})
set_tests_properties(structure.layers PROPERTIES LABELS structure TIMEOUT 30)
