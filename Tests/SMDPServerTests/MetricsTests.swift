import AsyncHTTPClient
import ES9PlusAPI
import ES9PlusHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOSSL
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

/// One sample of the Prometheus text format: `name{label="value",...} number`.
struct PrometheusSample: Hashable {
    let name: String
    let labels: [String: String]
    let value: Double
}

/// A parser for the Prometheus text exposition format as swift-prometheus writes it (no escapes in our labels).
func parsePrometheus(_ text: String) throws -> [PrometheusSample] {
    try text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
        let space = try #require(line.lastIndex(of: " "))
        let value = try #require(Double(line[line.index(after: space)...]), "value in \(line)")
        let series = line[..<space]
        guard let open = series.firstIndex(of: "{") else { return PrometheusSample(name: String(series), labels: [:], value: value) }
        var labels: [String: String] = [:]
        let body = series[series.index(after: open)..<(try #require(series.lastIndex(of: "}")))]
        for pair in body.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            try #require(parts.count == 2, "label \(pair)")
            labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return PrometheusSample(name: String(series[..<open]), labels: labels, value: value)
    }
}

extension [PrometheusSample] {
    /// The value of the one sample named `name` whose labels include `labels`; nil when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matches.count == 1 ? matches[0].value : nil
    }
}

/// GET over HTTPS trusting only the site's CI.
func httpsGet(port: Int, path: String, trusting ciDER: [UInt8]) async throws -> (status: UInt, contentType: String?, body: String) {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: ciDER, format: .der)])
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    do {
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        try await client.shutdown()
        return (response.status.code, response.headers.first(name: "content-type"), String(buffer: body))
    } catch {
        try await client.shutdown()
        throw error
    }
}

@Suite("Prometheus /metrics")
struct MetricsTests {
    static let files = ts48Files()
    static let requests = "openrsp_smdp_es9_requests_total"
    static let duration = "openrsp_smdp_es9_duration_seconds"
    static let profiles = "openrsp_smdp_profiles"

    @Test("scraped over HTTPS: a real download and a refused call move the counters, histograms and profile gauges",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func scrapeAfterDownload() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let upp = try ts48Package(Self.files[0])
        let record = try await ProfileInventory(store: site.store).importPackage(upp)
        let orders = ES2PlusOrderService(store: site.store, configuration: site.loaded.configuration)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, releaseFlag: true)
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])

        let (before, after) = try await site.withServer { port in
            let scrape = { () async throws -> [PrometheusSample] in
                let response = try await httpsGet(port: port, path: "/metrics", trusting: site.loaded.ciCertificateDER)
                #expect(response.status == 200)
                #expect(response.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
                return try parsePrometheus(response.body)
            }
            let before = try await scrape()
            let client = try site.client(port: port)
            do {
                let refused = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: "elsewhere.example"))
                #expect(refused.failure == .invalidSMDPAddress)
                let initiated = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address))
                    .requireOutput()
                let authenticated = try await client.authenticateClient(try await euicc.authenticateServer(initiated, matchingId: order.matchingId))
                    .requireOutput()
                _ = try await client.getBoundProfilePackage(try await euicc.prepareDownload(authenticated, confirmationCode: nil)).requireOutput()
                try await client.handleNotification(try euicc.installationResult(iccid: iccid, success: true))
                try await client.shutdown()
            } catch {
                try await client.shutdown()
                throw error
            }
            return (before, try await scrape())
        }

        #expect(before.value(Self.profiles, ["state": "Released"]) == 1)
        #expect(before.value(Self.profiles, ["state": "Installed"]) == 0)
        // The executed counters and the histograms exist from the start (made once, not per request), at 0.
        #expect(before.value(Self.requests, ["function": "initiateAuthentication", "outcome": "executed"]) == 0)

        #expect(after.value(Self.requests, ["function": "initiateAuthentication", "outcome": "executed"]) == 1)
        #expect(after.value(Self.requests, ["function": "initiateAuthentication", "outcome": "failed",
                                            "subject_code": "8.8.1", "reason_code": "3.8"]) == 1)
        #expect(after.value(Self.requests, ["function": "authenticateClient", "outcome": "executed"]) == 1)
        #expect(after.value(Self.requests, ["function": "getBoundProfilePackage", "outcome": "executed"]) == 1)
        #expect(after.value(Self.requests, ["function": "handleNotification", "outcome": "installed"]) == 1)
        #expect(after.value("\(Self.duration)_count", ["function": "initiateAuthentication"]) == 2)
        for function in ["authenticateClient", "getBoundProfilePackage", "handleNotification"] {
            #expect(after.value("\(Self.duration)_count", ["function": function]) == 1)
            #expect((after.value("\(Self.duration)_sum", ["function": function]) ?? 0) > 0)
            #expect(after.value("\(Self.duration)_bucket", ["function": function, "le": "+Inf"]) == 1)
        }
        #expect(after.value(Self.profiles, ["state": "Released"]) == 0)
        #expect(after.value(Self.profiles, ["state": "Installed"]) == 1)
    }

    @Test("each router counts into its own registry; malformed requests count as failed 1.2.1/2.1")
    func perInstanceRegistry() async throws {
        let first = try SMDPTestbed(useSGP26: false)
        let second = try SMDPTestbed(useSGP26: false)
        let firstMetrics = SMDPMetrics()
        let secondMetrics = SMDPMetrics()
        let app = Application(router: buildRouter(service: first.service, metrics: firstMetrics), logger: Logger(label: "test.metrics"))
        let other = Application(router: buildRouter(service: second.service, metrics: secondMetrics), logger: Logger(label: "test.metrics"))
        try await app.test(.router) { client in
            let malformed = try await client.es9(.authenticateClient, raw: "{not json")
            #expect(malformed.status == .ok)
            let wrongType = try await client.es9(.cancelSession, raw: "{}", headers: [.contentType: "text/plain"])
            #expect(wrongType.status == .ok)
        }
        try await other.test(.router) { client in
            let scraped = try await client.execute(uri: "/metrics", method: .get)
            #expect(scraped.status == .ok)
            let samples = try parsePrometheus(String(buffer: scraped.body))
            #expect(samples.value(Self.requests, ["function": "authenticateClient", "outcome": "failed"]) == nil)
            #expect(samples.value(Self.requests, ["function": "authenticateClient", "outcome": "executed"]) == 0)
            #expect(samples.value(Self.profiles, ["state": "Available"]) == 0)
        }
        let samples = try parsePrometheus(String(decoding: firstMetrics.emit(), as: UTF8.self))
        #expect(samples.value(Self.requests, ["function": "authenticateClient", "outcome": "failed",
                                              "subject_code": "1.2.1", "reason_code": "2.1"]) == 1)
        #expect(samples.value(Self.requests, ["function": "cancelSession", "outcome": "failed",
                                              "subject_code": "1.2.1", "reason_code": "2.1"]) == 1)
        #expect(samples.value("\(Self.duration)_count", ["function": "authenticateClient"]) == 1)
    }
}
