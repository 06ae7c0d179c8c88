# `cpack` (scripts/package.sh) makes a Debian package, bcnn_<version>_<arch>.deb, of what
# cmake/install.cmake installs, under /usr. Its Depends are the packages of the shared libraries the
# tools link, found by dpkg-shlibdeps (dpkg-dev; CPack needs `file` too), so they follow the build:
# libonnx1 and libprotobuf with ONNX, libopenmpi3 with MPI. bcnn-eval --hls configures and builds a
# generated project's C simulation with cmake, make and g++ (src/hls/csim.cpp): recommended, since
# training, evaluating and compiling do without them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bcnn)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "bcnn developers <bcnn-dev@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "block-circulant neural networks: training and FPGA (Vitis HLS) compilation")
# CPack makes each line of this one of the control file's description (Debian wraps at 80).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "bcnn trains dense and block-circulant neural networks (CirCNN) described by"
  "JSON, evaluates them in floating and fixed point, and compiles them into"
  "Vitis HLS projects with a C simulation, a test bench, an XRT host driver and"
  "a resource, latency and power estimate."
  ""
  "The tools (bcnn-train, bcnn-eval, bcnn-compile and the others) have man"
  "pages; /usr/share/doc/bcnn holds the documentation and example networks.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.16), make, g++")
if(BCNN_WITH_MPI)
  # mpirun, for data-parallel training (docs/distributed.md).
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS openmpi-bin)
endif()
include(CPack)
