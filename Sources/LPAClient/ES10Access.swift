// Opening an eUICC for one piece of work: the ISD-R session is opened on the transport, the work runs,
// and the session is closed and the transport released — on success and on failure alike.
import EUICC

public enum ES10Access {
    /// Runs `body` with an ES10 client whose ISD-R session is open. Afterwards (also when `body` or the
    /// opening throws) closes the logical channel and disconnects the transport. `body`'s error wins
    /// over a failure to close after it; on success a failure to close is thrown.
    public static func with<T>(_ transport: any APDUTransport,
                               _ body: (ES10Client) async throws -> T) async throws -> T {
        let client = try ES10Client(transport: transport)
        let result: T
        do {
            try await client.open()
            result = try await body(client)
        } catch {
            // The work's own error is what the caller needs; a failure to close after it adds nothing.
            try? await client.close()
            try? await transport.disconnect()
            throw error
        }
        do {
            try await client.close()
        } catch {
            try? await transport.disconnect()
            throw error
        }
        try await transport.disconnect()
        return result
    }
}
