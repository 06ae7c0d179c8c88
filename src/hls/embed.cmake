# Embeds bcnn's HLS library headers (fpga/include/bcnn_hls/*.h) and the templates of generated
# projects (fpga/templates/) into the bcnn library as string literals (hls/embedded_files.h), so
# that bcnn-compile writes self-contained projects from any working directory.
set(BCNN_FPGA_DIR ${PROJECT_SOURCE_DIR}/fpga)
file(GLOB_RECURSE BCNN_EMBEDDED_INPUTS CONFIGURE_DEPENDS ${BCNN_FPGA_DIR}/include/bcnn_hls/*.h
     ${BCNN_FPGA_DIR}/templates/*)
set(BCNN_EMBEDDED_SOURCE ${CMAKE_CURRENT_BINARY_DIR}/bcnn_embedded_files.cpp)
add_custom_command(
  OUTPUT ${BCNN_EMBEDDED_SOURCE}
  COMMAND ${CMAKE_COMMAND} -DROOT=${BCNN_FPGA_DIR} -DOUTPUT=${BCNN_EMBEDDED_SOURCE}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake
  DEPENDS ${BCNN_EMBEDDED_INPUTS} ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake
  COMMENT "Embedding fpga/include/bcnn_hls and fpga/templates"
  VERBATIM)
target_sources(bcnn PRIVATE ${BCNN_EMBEDDED_SOURCE})
