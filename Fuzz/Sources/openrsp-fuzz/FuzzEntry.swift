import Foundation

/// One fuzz target: a name (`OPENRSP_FUZZ_TARGET`) and the function libFuzzer feeds.
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void
}

/// Every target, in the order `scripts/fuzz` runs them.
let fuzzTargets: [FuzzTarget] = derTargets + cardTargets + jsonTargets + textTargets + ethereumTargets

nonisolated(unsafe) private var selected: FuzzTarget?

func selectTarget() -> FuzzTarget {
    if let selected { return selected }
    let name = ProcessInfo.processInfo.environment["OPENRSP_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        var usage = "usage: OPENRSP_FUZZ_TARGET=NAME openrsp-fuzz [libFuzzer options] [CORPUS ...]  (or scripts/fuzz)\n"
        usage += name.isEmpty ? "" : "unknown target \(name)\n"
        usage += "targets:\n" + fuzzTargets.map { "  \($0.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \($0.summary)" }
            .joined(separator: "\n") + "\n"
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
    selected = target
    return target
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let target = selectTarget()
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    target.run(bytes)
    return 0
}
