# A man page per tool (share/man/man1/<tool>.1.gz), written at build time by help2man from the
# tool's --help and --version (cmake/help2man.cmake); part of ALL when help2man is installed.
# Not in sanitizer or fuzzing builds: nobody installs them, and their instrumented tools would run
# at build time. BCNN_MAN_PAGES tells the install test (tests/CMakeLists.txt) whether to expect pages.
set(BCNN_MAN_PAGES OFF)
if(BCNN_SANITIZE OR BCNN_FUZZ)
  message(STATUS "bcnn: no man pages in a sanitizer or fuzzing build")
  return()
endif()
find_program(HELP2MAN_EXECUTABLE help2man)
if(NOT HELP2MAN_EXECUTABLE)
  message(STATUS "bcnn: no man pages: help2man not found (apt-get install help2man)")
  return()
endif()
set(BCNN_MAN_PAGES ON)

set(man_pages "")
foreach(tool ${BCNN_TOOLS})
  set(page ${PROJECT_BINARY_DIR}/man/${tool}.1.gz)
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:${tool}> -DHELP2MAN=${HELP2MAN_EXECUTABLE}
            -DOUTPUT=${page} -P ${CMAKE_CURRENT_LIST_DIR}/help2man.cmake
    DEPENDS ${tool} ${CMAKE_CURRENT_LIST_DIR}/help2man.cmake
    COMMENT "Writing the man page of ${tool}"
    VERBATIM)
  list(APPEND man_pages ${page})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_pages})
install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
