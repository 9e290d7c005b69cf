import CLibFuzzer
import Foundation

// Pick the target first, so a missing or unknown name prints the usage at once; then hand over to libFuzzer.
_ = selectTarget()
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv) { data, size in fuzzTestOneInput(data, size) })
