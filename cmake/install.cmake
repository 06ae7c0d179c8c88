# What `cmake --install` puts under the prefix (docs/install.md): the tools in bin/, the HLS
# library and the templates of generated projects in share/bcnn/ (bcnn-compile carries its own copy,
# src/hls/embed.cmake; this one is for reading and including), the documentation and the example
# configurations in share/doc/bcnn/, laid out as in the repository so that the README's paths
# (docs/compile.md, configs/mnist_mlp_bc.json) hold there too. Man pages: cmake/man_pages.cmake.
include(GNUInstallDirs)

# BCNN_TOOLS comes from apps/CMakeLists.txt. Installed binaries lose the build tree's RUNPATH:
# every library they link is found in the system's default directories.
install(TARGETS ${BCNN_TOOLS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/fpga/include/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bcnn/include)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/fpga/templates/ DESTINATION ${CMAKE_INSTALL_DATADIR}/bcnn/templates
        USE_SOURCE_PERMISSIONS)

# The patterns are matched at install time, so a new page or figure needs no change here.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md" PATTERN "*.svg" PATTERN "*.png")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/configs
        FILES_MATCHING PATTERN "*.json")
