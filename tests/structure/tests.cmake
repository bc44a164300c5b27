# The include-layer rule (tests/structure/layers.py holds the table).
add_test(NAME structure.layers
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/layers.py ${PROJECT_SOURCE_DIR})
set_tests_properties(structure.layers PROPERTIES LABELS structure TIMEOUT 30)

# Every tracked C++ file is formatted by the tree's .clang-format (`make format` fixes).
add_test(NAME structure.format
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/format_check.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(structure.format PROPERTIES LABELS structure TIMEOUT 120)

# Every test case name survives ctest's registration whole (no ';').
add_test(NAME structure.test_names
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_names.py ${PROJECT_SOURCE_DIR})
set_tests_properties(structure.test_names PROPERTIES LABELS structure TIMEOUT 30)
