// `POST /api/didauth/messages` (issue 17 item 5, docs/IDENTITY.md): a DID-Auth message addressed to this portal's
// did:web is verified (signature under the sender's DID document, schema, lifetime, replay within this process)
// and kept in the inbox directory for the operator; anything else is refused with its `didauth.*` code.
import Crypto
import Foundation
import Hummingbird
import Identity
import NIOCore
import SMDPServer

struct PortalDIDAuthInbox: Sendable {
    let audience: DID
    let directory: String
    let verifier: DIDAuthVerifier
    /// The inbox refuses new messages (503) once it holds this many: the operator moves them out.
    static let maxMessages = 10_000

    init(audience: DID, directory: String, resolver: any DIDResolving) {
        self.audience = audience
        self.directory = directory
        verifier = DIDAuthVerifier(resolver: resolver, replayCache: InMemoryDIDAuthReplayCache())
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.post("/api/didauth/messages") { request, context -> Response in
            let text: String
            do { text = String(buffer: try await request.body.collect(upTo: DIDAuthVerifier.maxMessageBytes)) } catch {
                return Self.refusal("didauth.size", "The message is over \(DIDAuthVerifier.maxMessageBytes) bytes.", .contentTooLarge, context)
            }
            let verified: VerifiedDIDAuthMessage
            do { verified = try await verifier.verify(text.trimmingCharacters(in: .whitespacesAndNewlines), audience: audience,
                                                      now: Int64(Date().timeIntervalSince1970)) } catch let error as DIDAuthError {
                return Self.refusal(error.code, error.description, .badRequest, context)
            } catch {
                return Self.refusal("didauth.malformed", "The message cannot be read.", .badRequest, context)
            }
            let count = (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? Self.maxMessages
            guard count < Self.maxMessages else {
                return Self.refusal("didauth.inbox_full", "The inbox is full; try again later.", .serviceUnavailable, context)
            }
            // Named by the SHA-256 of the message: no sender-chosen text in a path.
            let name = SHA256.hash(data: Array(verified.jws.serialized.utf8)).map { String(format: "%02x", $0) }.joined() + ".jwt"
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data(verified.jws.serialized.utf8), attributes: [.posixPermissions: 0o600]) else {
                context.logger.error("didauth inbox write failed", metadata: ["path": "\(path)"])
                return Self.refusal("didauth.inbox_unavailable", "The message could not be kept; try again later.", .serviceUnavailable, context)
            }
            context.logger.info("didauth message accepted", metadata: ["type": "\(verified.message.type.rawValue)", "from": "\(verified.message.issuer)"])
            let answer = JSONValue.object([
                "accepted": .bool(true), "type": .string(verified.message.type.rawValue), "id": .string(verified.message.id),
                "thread": .string(verified.message.thread), "from": .string(verified.message.issuer.description),
            ])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: answer.serialized())))
        }
    }

    static func refusal(_ code: String, _ message: String, _ status: HTTPResponse.Status, _ context: SMDPRequestContext) -> Response {
        context.logger.notice("didauth refusal", metadata: ["code": "\(code)"])
        let body = JSONValue.object(["error": .object(["code": .string(code), "message": .string(message), "requestId": .string(context.id)])])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}
