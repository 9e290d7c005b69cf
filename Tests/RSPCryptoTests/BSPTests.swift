import RSPASN1
@testable import RSPCrypto
import Testing

@Suite("BSP / SCP03t segment protection")
struct BSPTests {
    /// Session keys of the SGP22-NOTES §3 vector.
    static func notesKeys() throws -> BSPSessionKeys {
        try BSPSessionKeys(
            initialMCV: hex("7a3e200563ee4db4ebb35bd3a61fe9d5"),
            sEnc: hex("c286d7587d1994e1befaac0b41b97072"),
            sMac: hex("2cbb032c8d22ff88735fd1d62cb16ce2"))
    }

    static let configureISDP = hex("bf2400")
    static let storeMetadata = hex("bf25115a0a98001032547698103214910092014f")
    // SGP22-NOTES §5 worked example (pySim and an independent implementation agree).
    static let expected87 = hex("87 18 6c5ec9e878991afa621e580c84bf9743 f988347332b0963b")
    static let expected88 = hex("88 1c bf25115a0a98001032547698103214910092014f a3166f3b07838065")

    @Test("SGP22-NOTES §5 worked example: 87 ConfigureISDP then 88 StoreMetadata, byte for byte")
    func notesExample() throws {
        var dp = BSPContext(keys: try Self.notesKeys())
        let seg87 = try dp.protect(Self.configureISDP, tag: .encryptedCommand)
        #expect(seg87 == Self.expected87)
        #expect(dp.mcv == hex("f988347332b0963b1a08a3b2ff06dca9"))
        #expect(dp.counter == 2)
        let seg88 = try dp.protect(Self.storeMetadata, tag: .macOnly)
        #expect(seg88 == Self.expected88)
        #expect(dp.counter == 3)
    }

    @Test("eUICC side verifies and decrypts the worked example in order")
    func euiccSideInOrder() throws {
        var euicc = BSPContext(keys: try Self.notesKeys())
        let first = try euicc.unprotect(Self.expected87)
        #expect(first.tag == .encryptedCommand)
        #expect(first.plaintext == Self.configureISDP)
        let second = try euicc.unprotect(Self.expected88)
        #expect(second.tag == .macOnly)
        #expect(second.plaintext == Self.storeMetadata)
        #expect(euicc.counter == 3)
    }

    @Test("out-of-order segment is a security error and leaves the context unchanged")
    func wrongOrder() throws {
        var euicc = BSPContext(keys: try Self.notesKeys())
        #expect(throws: BSPError.self) { try euicc.unprotect(Self.expected88) }
        #expect(euicc.counter == 1)
        #expect(euicc.mcv == hex("7a3e200563ee4db4ebb35bd3a61fe9d5"))
        // The correct order still works afterwards.
        #expect(try euicc.unprotect(Self.expected87).plaintext == Self.configureISDP)
    }

    @Test("replayed segment is rejected with scp03tSecurityError")
    func replay() throws {
        var euicc = BSPContext(keys: try Self.notesKeys())
        _ = try euicc.unprotect(Self.expected87)
        do {
            _ = try euicc.unprotect(Self.expected87)
            Issue.record("replay accepted")
        } catch {
            #expect(error.sgp22ErrorReason == "scp03tSecurityError")
        }
    }

    @Test("tampered ciphertext or MAC is a security error")
    func tampered() throws {
        for index in [2, 10, Self.expected87.count - 1] {
            var euicc = BSPContext(keys: try Self.notesKeys())
            var bad = Self.expected87
            bad[index] ^= 0x01
            #expect(throws: BSPError.self) { try euicc.unprotect(bad) }
        }
    }

    @Test("bad padding under a valid MAC is a security error")
    func badPadding() throws {
        var dp = BSPContext(keys: try Self.notesKeys())
        var euicc = BSPContext(keys: try Self.notesKeys())
        let noMarker = try dp.protect(alreadyPadded: [UInt8](repeating: 0x41, count: 16), tag: .profileElement)
        do {
            _ = try euicc.unprotect(noMarker)
            Issue.record("bad padding accepted")
        } catch {
            #expect(error == .security("bad padding after decryption"))
        }
        #expect(euicc.counter == 1)
    }

    @Test("structure errors: unknown tag, truncated, bad length, non-block ciphertext, oversized")
    func structureErrors() throws {
        var euicc = BSPContext(keys: try Self.notesKeys())
        let cases: [[UInt8]] = [
            [],
            [0x87],
            [0x89, 0x08, 0, 0, 0, 0, 0, 0, 0, 0],
            Array(Self.expected87.dropLast()),
            Self.expected87 + [0x00],
            [0x87, 0x81, 0x05, 0, 0, 0, 0, 0],
            [0x87, 0x0C] + [UInt8](repeating: 0, count: 12),
            // Over the 2048-byte receive bound (a 1036-byte TLV is accepted: see `interopSegments`).
            [0x86, 0x82, 0x07, 0xFD] + [UInt8](repeating: 0, count: 0x7FD),
        ]
        for bytes in cases {
            do {
                _ = try euicc.unprotect(bytes)
                Issue.record("accepted \(bytes.prefix(8))")
            } catch {
                #expect(error.sgp22ErrorReason == "scp03tStructureError", "\(error)")
            }
        }
    }

    @Test("segment size limits: 1007 plaintext bytes per 86/87 (1020-byte TLV), 1008 per 88")
    func sizeLimits() throws {
        var dp = BSPContext(keys: try Self.notesKeys())
        let max86 = try dp.protect([UInt8](repeating: 7, count: 1007), tag: .profileElement)
        #expect(max86.count == 1020)
        #expect(Array(max86.prefix(4)) == [0x86, 0x82, 0x03, 0xF8])
        let max88 = try dp.protect([UInt8](repeating: 7, count: 1008), tag: .macOnly)
        #expect(max88.count == 1020)
        #expect(throws: BSPError.self) { try dp.protect([UInt8](repeating: 7, count: 1008), tag: .profileElement) }
        #expect(throws: BSPError.self) { try dp.protect([UInt8](repeating: 7, count: 1009), tag: .macOnly) }
    }

    @Test("receive side (Postel): 1036-byte TLVs from 1008-byte pieces verify; up to 2048 bytes is accepted, 2049 is not")
    func interopSegments() throws {
        var dp = BSPContext(keys: try Self.notesKeys())
        var euicc = BSPContext(keys: try Self.notesKeys())
        let data = (0..<3000).map { UInt8($0 & 0xFF) }
        let pieces = try dp.protectSegmented(data, tag: .profileElement, pieceBytes: 1008)
        #expect(pieces.map(\.count) == [1036, 1036, 1 + 3 + 992 + 8])
        #expect(Array(pieces[0].prefix(4)) == [0x86, 0x82, 0x04, 0x08])
        #expect(BSPContext.isOversized(pieces[0]))
        #expect(try pieces.flatMap { try euicc.unprotect($0).plaintext } == data)

        let largest = try dp.protect([UInt8](repeating: 9, count: BSPSegmentTag.macOnly.maxInteropPlaintextBytes), tag: .macOnly,
                                     limit: BSPSegmentTag.macOnly.maxInteropPlaintextBytes)
        #expect(largest.count == BSPContext.maxReceivedSegmentBytes)
        #expect(try euicc.unprotect(largest).plaintext.count == 2036)
        #expect(throws: BSPError.self) { try dp.protectSegmented(data, tag: .profileElement, pieceBytes: 2032) }
        do {
            _ = try euicc.unprotect(largest + [0])
            Issue.record("accepted a 2049-byte TLV")
        } catch {
            #expect(error == .structure("segment of 2049 bytes exceeds the 2048-byte receive limit"))
        }
    }

    @Test("segmentation cuts at exactly 1007 (86) and 1008 (88) plaintext bytes")
    func segmentationBoundaries() throws {
        var dp = BSPContext(keys: try Self.notesKeys())
        let seg86 = try dp.protectSegmented([UInt8](repeating: 1, count: 2 * 1007 + 1), tag: .profileElement)
        #expect(seg86.map(\.count) == [1020, 1020, 1 + 1 + 16 + 8])
        let seg88 = try dp.protectSegmented([UInt8](repeating: 1, count: 1008 + 1), tag: .macOnly)
        #expect(seg88.map(\.count) == [1020, 1 + 1 + 1 + 8])
        #expect(dp.counter == 6)
    }

    @Test("random-size round trips, segmented, with ReplaceSessionKeys before the 86s")
    func roundTrips() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            let keys = try BSPSessionKeys(
                initialMCV: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) },
                sEnc: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) },
                sMac: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let ppk = try BSPSessionKeys(
                initialMCV: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) },
                sEnc: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) },
                sMac: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let metadata = (0..<Int.random(in: 0...2500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let upp = (0..<Int.random(in: 0...5000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var dp = BSPContext(keys: keys)
            var euicc = BSPContext(keys: keys)
            let seg88 = try dp.protectSegmented(metadata, tag: .macOnly)
            dp.replaceSessionKeys(ppk)
            #expect(dp.counter == 1)
            let seg86 = try dp.protectSegmented(upp, tag: .profileElement)
            #expect(seg86.allSatisfy { $0.count <= 1020 })
            #expect(seg88.allSatisfy { $0.count <= 1020 })
            var gotMetadata: [UInt8] = []
            for s in seg88 { gotMetadata += try euicc.unprotect(s).plaintext }
            euicc.replaceSessionKeys(ppk)
            var gotUPP: [UInt8] = []
            for s in seg86 { gotUPP += try euicc.unprotect(s).plaintext }
            #expect(gotMetadata == metadata)
            #expect(gotUPP == upp)
        }
    }

    @Test("ReplaceSessionKeys: BF26 request encodes/decodes, is carried in an 87, and restarts the counter at 1")
    func replaceSessionKeys() throws {
        let ppk = try BSPSessionKeys(initialMCV: [UInt8](repeating: 0x11, count: 16), sEnc: [UInt8](repeating: 0x22, count: 16), sMac: [UInt8](repeating: 0x33, count: 16))
        let request = ppk.replaceSessionKeysRequest
        #expect(request.count == 57)
        #expect(Array(request.prefix(5)) == [0xBF, 0x26, 0x36, 0x80, 0x10])
        #expect(try BSPSessionKeys(replaceSessionKeysRequest: request) == ppk)
        var wrongTag = request
        wrongTag[21] = 0x83
        #expect(throws: BSPError.self) { try BSPSessionKeys(replaceSessionKeysRequest: wrongTag) }
        #expect(throws: BSPError.self) { try BSPSessionKeys(replaceSessionKeysRequest: Array(request.dropLast())) }
        #expect(throws: BSPError.self) { try BSPSessionKeys(replaceSessionKeysRequest: request + [0]) }

        var dp = BSPContext(keys: try Self.notesKeys())
        var euicc = BSPContext(keys: try Self.notesKeys())
        let a2 = try dp.protect(request, tag: .encryptedCommand)
        dp.replaceSessionKeys(ppk)
        let received = try euicc.unprotect(a2)
        euicc.replaceSessionKeys(try BSPSessionKeys(replaceSessionKeysRequest: received.plaintext))
        #expect(euicc.counter == 1)
        #expect(euicc.mcv == ppk.initialMCV)
        let seg86 = try dp.protect([1, 2, 3], tag: .profileElement)
        #expect(try euicc.unprotect(seg86).plaintext == [1, 2, 3])
        // A segment protected with the old keys no longer verifies after the switch.
        var oldDP = BSPContext(keys: try Self.notesKeys())
        _ = try oldDP.protect(request, tag: .encryptedCommand)
        let stale = try oldDP.protect([1, 2, 3], tag: .profileElement)
        #expect(throws: BSPError.self) { try euicc.unprotect(stale) }
    }

    @Test("BER length encoding")
    func berLength() throws {
        #expect(BERLength.encode(0x7F) == [0x7F])
        #expect(BERLength.encode(0x80) == [0x81, 0x80])
        #expect(BERLength.encode(0x3F8) == [0x82, 0x03, 0xF8])
        #expect(try BERLength.decode([0x82, 0x03, 0xF8], at: 0).length == 0x3F8)
        #expect(throws: BSPError.self) { try BERLength.decode([0x81, 0x10], at: 0) }
        #expect(throws: BSPError.self) { try BERLength.decode([0x84, 1, 2, 3, 4], at: 0) }
    }
}
