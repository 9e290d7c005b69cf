// An issuer's status list on disk (issue 17 item 2, docs/IDENTITY.md): the list itself, which indices are
// given out, and, beside it, the signed status list token the issuer publishes (and anchors on chain).
import Crypto
import Foundation
import Identity
import RSPCrypto

/// `STATE.json`: `{"uri", "bits", "list" (base64url of the raw bytes), "allocated": [indices], "updatedAt"}`;
/// the token is `STATE.jwt` (the path with `.jwt` instead of `.json`). Both written atomically (temp + rename):
/// a crash leaves the old or the new file, never half of one. Issuance indices are drawn at random among the
/// free ones, so an index says nothing about when or in which order credentials were issued.
struct StatusListFile {
    let path: String
    let uri: String
    var list: StatusList
    var allocated: Set<Int>

    var tokenPath: String { (path.hasSuffix(".json") ? String(path.dropLast(5)) : path) + ".jwt" }

    static func create(path: String, uri: String, bits: Int, capacity: Int) throws -> StatusListFile {
        guard let url = URL(string: uri), url.scheme == "https", url.host != nil else {
            throw IdentityCommandError(.input, "--uri must be an https URL (where verifiers fetch the list)")
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw IdentityCommandError(.statusList, "\(path) exists; not overwritten") }
        do { return StatusListFile(path: path, uri: uri, list: try StatusList(bits: bits, capacity: capacity), allocated: []) } catch {
            throw IdentityCommandError(.input, "--bits is 1, 2, 4 or 8 and --capacity at most \(StatusList.maxBytes * 8 / bits) entries")
        }
    }

    static func read(path: String) throws -> StatusListFile {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 4 * StatusList.maxBytes,
              let json = try? JSONValue.parse(data), let uri = json["uri"]?.stringValue, let bits = json["bits"]?.intValue,
              let raw = json["list"]?.stringValue.flatMap(Base64URL.decode), let allocated = json["allocated"]?.arrayValue,
              let list = try? StatusList(bits: Int(bits), bytes: raw) else {
            throw IdentityCommandError(.statusList, "\(path) is not a status list file of `openrsp identity status-list new`")
        }
        let indices = allocated.compactMap { $0.intValue.map(Int.init) }
        guard indices.count == allocated.count, indices.allSatisfy({ $0 >= 0 && $0 < list.capacity }) else {
            throw IdentityCommandError(.statusList, "\(path): an allocated index is outside the list")
        }
        return StatusListFile(path: path, uri: uri, list: list, allocated: Set(indices))
    }

    /// A free index, drawn uniformly at random.
    mutating func allocate() throws -> Int {
        guard allocated.count < list.capacity else { throw IdentityCommandError(.statusList, "\(path) is full (\(list.capacity) entries): make a new list") }
        while true {
            let index = Int.random(in: 0..<list.capacity)
            if allocated.insert(index).inserted { return index }
        }
    }

    mutating func setStatus(_ value: UInt8, at index: Int) throws {
        guard allocated.contains(index) else { throw IdentityCommandError(.statusList, "index \(index) was never issued from \(path)") }
        do { try list.setStatus(value, at: index) } catch { throw IdentityCommandError(.statusList, "index \(index): \(error)") }
    }

    /// Writes the state only: for a new index, which changes no entry, so the published (and anchored) token
    /// stays the current one.
    func saveState(now: Int64) throws {
        do { try SecureFileWriter.write(stateJSON(now: now).serialized(), to: URL(fileURLWithPath: path), mode: 0o600) } catch {
            throw IdentityCommandError(.statusList, "cannot write \(path): \(error)")
        }
    }

    private func stateJSON(now: Int64) -> JSONValue {
        .object([
            "uri": .string(uri), "bits": .int(Int64(list.bits)), "list": .string(Base64URL.encode(list.bytes)),
            "allocated": .array(allocated.sorted().map { .int(Int64($0)) }), "updatedAt": .int(now),
        ])
    }

    /// Signs the current list and writes the state, then the token. Returns the token.
    func save(key: P256.Signing.PrivateKey, now: Int64) throws -> StatusListToken {
        let token = try StatusListToken.sign(list: list, uri: uri, issuedAt: now, expiresAt: nil, ttl: 300, key: key)
        let state = stateJSON(now: now)
        do {
            // The state first: a crash between the two leaves the change recorded and the old token, which the
            // next save (running the same command again) replaces. The other order could publish a revocation
            // the state forgets, and the next save would undo it.
            try SecureFileWriter.write(state.serialized(), to: URL(fileURLWithPath: path), mode: 0o600)
            try SecureFileWriter.write(Array((token.jws.serialized + "\n").utf8), to: URL(fileURLWithPath: tokenPath), mode: 0o644)
        } catch { throw IdentityCommandError(.statusList, "cannot write \(path): \(error)") }
        return token
    }

    func token() throws -> String {
        guard let data = FileManager.default.contents(atPath: tokenPath) else {
            throw IdentityCommandError(.statusList, "no token at \(tokenPath)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Counts of entries per status value among the allocated ones.
    func counts() -> [String: Int] {
        var counts = ["valid": 0, "revoked": 0, "suspended": 0, "other": 0]
        for index in allocated {
            switch try? list.status(at: index) {
            case StatusList.valid: counts["valid", default: 0] += 1
            case StatusList.invalid: counts["revoked", default: 0] += 1
            case StatusList.suspended: counts["suspended", default: 0] += 1
            default: counts["other", default: 0] += 1
            }
        }
        return counts
    }
}
