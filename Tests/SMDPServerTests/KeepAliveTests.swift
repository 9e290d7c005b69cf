import ES9PlusAPI
import ES9PlusHTTPClient
import Foundation
import NIOCore
import SMDPServer
import SMDPTestSupport
import Synchronization
import Testing

/// Issue 21 item 4: the LPA's ES9+ client keeps its connection for the session's calls and checks the
/// DP-TLS certificate (the registry pin) once per connection, at its handshake.
@Suite("ES9+ client keep-alive: one handshake and one certificate check per connection")
struct KeepAliveTests {
    @Test("four calls share one connection and one check; after the server closed it, the next call opens and checks a new one")
    func oneCheckPerConnection() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let checks = Mutex(0)
        // The deadline also bounds a new connection's handshake and first request: 10 s leaves room for a loaded CI
        // machine (3 s failed there once, with the whole suite running in parallel).
        let limits = try ConnectionLimits(requestDeadline: .seconds(10))
        let (before, after, answered) = try await site.withServer(limits: limits, rateLimit: nil) { port -> (Int, Int, Int) in
            let client = try site.client(port: port) { _ in checks.withLock { $0 += 1 } }
            var answered = 0
            for _ in 0..<4 {
                let response = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address))
                if response.output != nil { answered += 1 }
            }
            let before = await client.connectionsOpened
            // The server closes a connection that has not sent a whole request within its deadline (10 s here).
            try await Task.sleep(for: .milliseconds(11_000))
            let response = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address))
            if response.output != nil { answered += 1 }
            let after = await client.connectionsOpened
            try await client.shutdown()
            return (before, after, answered)
        }
        #expect(answered == 5)
        #expect(before == 1)
        #expect(after == 2)
        #expect(checks.withLock { $0 } == 2)
    }
}
