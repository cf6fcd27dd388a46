# Installs the built digitnet into a scratch prefix, builds the consumer project against it with
# find_package(digitnet), runs it and checks its output (seed 004's fixed-weight network).
set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix} RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE}/tests/find_package -B ${WORK}/build -DCMAKE_PREFIX_PATH=${prefix}
                        -DDIGITNET_EXAMPLE=${SOURCE}/examples/saito_network.cpp -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "configuring a project with find_package(digitnet) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "building against the installed digitnet failed")
endif()
execute_process(COMMAND ${WORK}/build/saito_network OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc OR NOT out MATCHES "y = \\[0\\.3168270[0-9] 0\\.6962791[0-9]\\]")
  message(FATAL_ERROR "unexpected output from the consumer: ${out}")
endif()
message(STATUS "find_package(digitnet) works: ${out}")
