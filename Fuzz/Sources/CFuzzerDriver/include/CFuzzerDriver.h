// libFuzzer's driver entry point (in libclang_rt.fuzzer, linked by -sanitize=fuzzer): runs the
// fuzzing loop with the given command-line flags, calling `callback` on each input.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
