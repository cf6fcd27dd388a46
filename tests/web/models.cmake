# The models the web tests serve, trained once: the default MLP (one epoch, with its metrics file)
# and a small CNN (fast-98, one epoch on 10,000 examples). A few seconds in all.
file(MAKE_DIRECTORY ${OUT})
foreach(run "mlp;--preset;default;--metrics;${OUT}/mlp.jsonl" "cnn;--preset;fast-98;--train-size;10000")
  list(POP_FRONT run name)
  execute_process(COMMAND ${CLI} train ${run} --epochs 1 --quiet --data-dir ${DATA} -o ${OUT}/${name}.safetensors
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "training the ${name} model for the web tests failed (${status})")
  endif()
endforeach()
