// The LPA side's composition root: what `profile download`, `notification process`, the demo and the
// tests assemble the same way — pooled ES9+ connections, the SM-DP+ trust policy with its per-connection
// check, the DeviceInfo sent in ctxParams1, and the ES10 access to the eUICC.
import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import Foundation
import LPA
import RSPASN1

/// One LPA: ES9+ clients (one per SM-DP+ address, kept alive, each TLS connection checked once by the
/// trust policy), the trust policy itself and the device's DeviceInfo. Call `shutdown()` when done.
public final class LPAAssembly: Sendable {
    public let deviceInfo: DeviceInfo
    public let trust: SMDPTrustPolicy?
    private let pool: ES9ClientPool

    /// `trustRootsDER` are the TLS roots for CERT.DPtls; `trust` (when given) adds its
    /// `tlsServerCertificateCheck` to every connection and its CERT.DPauth checks to each download.
    public init(trustRootsDER: [[UInt8]], trust: SMDPTrustPolicy? = nil, deviceInfo: DeviceInfo = LPAAssembly.deviceInfo) {
        self.deviceInfo = deviceInfo
        self.trust = trust
        pool = ES9ClientPool(trustRootsDER: trustRootsDER, serverCertificateCheck: trust?.tlsServerCertificateCheck)
    }

    /// The ES9+ client for an SM-DP+ address (created on first use, then reused).
    public var connect: ES9PlusConnector { { [pool] address in try pool.client(for: address) } }

    public func downloader(es10: ES10Client, progress: @escaping @Sendable (DownloadStep) -> Void = { _ in }) -> ProfileDownloader {
        ProfileDownloader(es10: es10, connect: connect, deviceInfo: deviceInfo, trust: trust, progress: progress)
    }

    public func notificationProcessor(es10: ES10Client,
                                      progress: @escaping @Sendable (NotificationStep) -> Void = { _ in }) -> NotificationProcessor {
        NotificationProcessor(es10: es10, connect: connect, progress: progress)
    }

    /// Closes every pooled connection.
    public func shutdown() async { await pool.shutdown() }

    /// ctxParams1 DeviceInfo of this LPA: TAC 35290611 (a test TAC), SGP.22 v2.2 capabilities left empty.
    public static let deviceInfo: DeviceInfo = {
        // A fixed 4-byte TAC and empty capabilities always encode; a failure here is a programming error.
        guard let info = try? DeviceInfo(tac: [0x35, 0x29, 0x06, 0x11], deviceCapabilities: DeviceCapabilities()) else {
            preconditionFailure("the LPA's DeviceInfo does not encode")
        }
        return info
    }()
}

/// Creates one `ES9PlusHTTPClient` per SM-DP+ address and shuts them all down at the end.
final class ES9ClientPool: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [String: ES9PlusHTTPClient] = [:]
    private let configuration: ES9PlusHTTPClientConfiguration

    /// `serverCertificateCheck` runs once per TLS connection after TLS verification (the LPA's CERT.DPtls
    /// registry pin, `SMDPTrustPolicy.tlsServerCertificateCheck`).
    init(trustRootsDER: [[UInt8]], serverCertificateCheck: ES9PlusServerCertificateCheck?) {
        configuration = ES9PlusHTTPClientConfiguration(trustRootsDER: trustRootsDER, serverCertificateCheck: serverCertificateCheck)
    }

    func client(for address: String) throws(ES9PlusClientError) -> any ES9PlusClient {
        lock.lock()
        defer { lock.unlock() }
        if let existing = clients[address] { return existing }
        let client: ES9PlusHTTPClient
        do { client = try ES9PlusHTTPClient(smdpAddress: address, configuration: configuration) } catch { throw ES9PlusClientError(error) }
        clients[address] = client
        return client
    }

    func shutdown() async {
        let all = lock.withLock {
            let all = Array(clients.values)
            clients = [:]
            return all
        }
        for client in all {
            // Closing pooled connections after the work is done; a failure here changes no result.
            try? await client.shutdown()
        }
    }
}
