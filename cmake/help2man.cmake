# Writes one tool's man page (cmake/man_pages.cmake runs it at build time):
#   cmake -DTOOL=build/apps/bcnn-train -DHELP2MAN=/usr/bin/help2man \
#         -DOUTPUT=build/man/bcnn-train.1.gz -P cmake/help2man.cmake
# The NAME line is the tool's one description, the first line of its --help (CLI::App's), with a
# lower-case first letter as man pages have it. gzip -n keeps the page free of a timestamp.
execute_process(COMMAND ${TOOL} --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TOOL} --help exited with ${status}")
endif()
string(REGEX MATCH "^[^\n]+" description "${help}")
string(SUBSTRING "${description}" 0 1 first)
string(SUBSTRING "${description}" 1 -1 rest)
string(TOLOWER "${first}" first)

string(REGEX REPLACE "\\.gz$" "" page "${OUTPUT}")
get_filename_component(directory "${page}" DIRECTORY)
file(MAKE_DIRECTORY "${directory}")
execute_process(COMMAND ${HELP2MAN} --no-info --section=1 "--name=${first}${rest}" "--output=${page}"
                        ${TOOL}
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "help2man failed on ${TOOL} (${status})")
endif()
execute_process(COMMAND gzip -9nf "${page}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gzip failed on ${page} (${status})")
endif()
