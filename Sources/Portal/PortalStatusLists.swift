// `GET /status/{name}`: an issuer's credential status list tokens (issue 17 item 2, docs/IDENTITY.md), read from
// `--status-dir` at each request (`openrsp identity credential revoke` rewrites them in place, atomically).
import Foundation
import Hummingbird
import NIOCore
import SMDPServer

struct PortalStatusLists: Sendable {
    let directory: String
    /// A token file is refused above this (a 131,072-entry list of 8 bits compresses far below it).
    static let maxBytes = 2 * 1024 * 1024

    func register(on router: Router<SMDPRequestContext>) {
        router.get("/status/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), Self.isListName(name),
                  let token = Self.read((directory as NSString).appendingPathComponent(name + ".jwt")) else {
                return Response(status: .notFound, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"not_found","message":"No such status list."}}"#)))
            }
            // Short caching: verifiers compare the token with the digest anchored on chain, so a stale copy is refused, not trusted.
            return Response(status: .ok, headers: [.contentType: "application/statuslist+jwt", .cacheControl: "max-age=60"],
                            body: .init(byteBuffer: ByteBuffer(bytes: token)))
        }
    }

    /// 1–64 of [A-Za-z0-9_-]: no dots, so never a path outside the directory and never a hidden file.
    static func isListName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
        }
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) == .typeRegular,
              let size = (attributes[.size] as? NSNumber)?.intValue, size <= maxBytes,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    }
}
