import Dispatch
import EUICC
@testable import EUICCTransports
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The reader side of the vpcd protocol on a loopback socket, played by the test.
final class FakeVPCD: @unchecked Sendable {
    let listener: Int32
    let port: UInt16

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw VPCDConnectionError.system("bind/listen", errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = UInt16(bigEndian: address.sin_port)
    }

    /// Accepts the card's connection (blocking, off the concurrency pool).
    func accept() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Glibc.accept(self.listener, nil, nil)) }
        }
    }

    func send(_ connection: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one frame's payload.
    func receiveFrame(_ connection: Int32) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                func read(_ count: Int) -> [UInt8] {
                    var buffer = [UInt8](repeating: 0, count: count)
                    var filled = 0
                    while filled < count {
                        let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress! + filled, count - filled, 0) }
                        if n <= 0 { return Array(buffer.prefix(filled)) }
                        filled += n
                    }
                    return buffer
                }
                let header = read(2)
                guard header.count == 2 else { continuation.resume(returning: []); return }
                continuation.resume(returning: read(Int(header[0]) << 8 | Int(header[1])))
            }
        }
    }

    deinit { close(listener) }
}

@Suite("VPCDBridge against a vpcd played by the test over loopback TCP")
struct VPCDBridgeSocketTests {
    @Test("answers ATR and an APDU; a zero-length frame drops the connection and the bridge reconnects")
    func framesAndReconnect() async throws {
        let fixture = try SoftEUICCFixture()
        defer { fixture.remove() }
        let vpcd = try FakeVPCD()
        let frameErrors = FailureCounter()
        let bridge = VPCDBridge(card: fixture.card, configuration: .init(port: vpcd.port, initialReconnectDelay: .milliseconds(10))) { event in
            if case .frameError(.zeroLength) = event { frameErrors.increment() }
        }
        let running = Task { await bridge.run() }

        let first = await vpcd.accept()
        vpcd.send(first, [0x00, 0x01, 0x01])  // power on: no answer
        vpcd.send(first, [0x00, 0x01, 0x04])  // get ATR
        #expect(await vpcd.receiveFrame(first) == VPCDCardEndpoint.defaultATR)
        vpcd.send(first, [0x00, 0x05, 0x00, 0x70, 0x00, 0x00, 0x01])  // MANAGE CHANNEL open
        let opened = await vpcd.receiveFrame(first)
        #expect(opened.count == 3 && opened.suffix(2) == [0x90, 0x00])
        vpcd.send(first, [0x00, 0x00])  // malformed: zero length
        #expect(await vpcd.receiveFrame(first).isEmpty)  // the bridge closed the connection
        close(first)

        let second = await vpcd.accept()
        vpcd.send(second, [0x00, 0x01, 0x04])
        #expect(await vpcd.receiveFrame(second) == VPCDCardEndpoint.defaultATR)
        #expect(await bridge.connectionCount == 2)
        #expect(frameErrors.count == 1)
        await bridge.stop()
        await running.value
        close(second)
    }
}
