# Install the build tree (library headers, CMake package, data, the locus tool) into a fresh
# prefix, then build and run tests/consumer against it and run the installed tool.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
macro(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endmacro()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/consumer-build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${WORK_DIR}/consumer-build/consumer)
if(WITH_TOOL)
  run(${prefix}/bin/locus --version)
  run(${prefix}/bin/locus simulate --area 0.01 -o ${WORK_DIR}/tiny.csv -q)
  foreach(f photod/LICENSE photod/s82/s82_calibstars.csv photod/s82/priors_s82_pix0.csv photod/locus/SDSSDSEDlocus_10Gyr.txt)
    if(NOT EXISTS ${prefix}/share/locus/data/${f})
      message(FATAL_ERROR "not installed: share/locus/data/${f}")
    endif()
  endforeach()
  run(${prefix}/bin/locus posterior ${WORK_DIR}/tiny.csv -o ${WORK_DIR}/tiny_post.csv
      --priors ${prefix}/share/locus/data/photod/s82/priors_s82_pix0.csv -q)
endif()
if(PYTHON_SITEDIR)
  # the Python package from the install tree, imported from elsewhere (not the source tree)
  run(${CMAKE_COMMAND} -E env PYTHONPATH=${prefix}/${PYTHON_SITEDIR} ${PYTHON}
      -c "import locus, numpy as np; assert locus.__file__.startswith('${prefix}'); d = locus.simulate_patch(area=0.01, as_frame=False); r = locus.posterior(d, priors='kde'); assert np.isfinite(r['bayes_Mr_mean']).mean() > 0.9"
      WORKING_DIRECTORY ${WORK_DIR})
endif()
