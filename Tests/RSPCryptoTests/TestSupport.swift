import Foundation
import RSPCrypto

/// Hex literal for test vectors; traps on malformed literals (test code only, literals are fixed).
func hex(_ s: String) -> [UInt8] {
    do { return try HexBytes.decode(s) } catch { fatalError("bad hex literal in test: \(s)") }
}

/// `<packageRoot>/../shared/testdata/<sub>`; nil when absent (tests then skip with a message).
func sharedTestData(_ sub: String) -> URL? {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/testdata", isDirectory: true)
        .appendingPathComponent(sub, isDirectory: true)
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url : nil
}

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("rspcrypto-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
