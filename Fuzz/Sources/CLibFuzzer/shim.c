// The declaration lives in include/CLibFuzzer.h; the definition comes from -sanitize=fuzzer's runtime.
#include "CLibFuzzer.h"
