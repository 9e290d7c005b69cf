// swift-tools-version: 6.1
// OpenRSP: verifiable eSIM provisioning. Layout and layering: docs/ARCHITECTURE.md §2.
import PackageDescription

let package = Package(
    name: "OpenRSP",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "openrsp", targets: ["openrsp"]),
        .library(name: "RSPASN1", targets: ["RSPASN1"]),
        .library(name: "RSPCrypto", targets: ["RSPCrypto"]),
        .library(name: "EthereumCore", targets: ["EthereumCore"]),
        .library(name: "EthereumRPC", targets: ["EthereumRPC"]),
        .library(name: "Settlement", targets: ["Settlement"]),
        // For the SM-DP+ benchmarks (Benchmarks/ depends on this package by path and sees only products).
        .library(name: "SMDPCore", targets: ["SMDPCore"]),
        .library(name: "SMDPStoreSQLite", targets: ["SMDPStoreSQLite"]),
        .library(name: "SMDPServer", targets: ["SMDPServer"]),
        .library(name: "ES9PlusAPI", targets: ["ES9PlusAPI"]),
        .library(name: "ES2PlusAPI", targets: ["ES2PlusAPI"]),
        .library(name: "ES9PlusHTTPClient", targets: ["ES9PlusHTTPClient"]),
        .library(name: "LPA", targets: ["LPA"]),
        .library(name: "EUICC", targets: ["EUICC"]),
        .library(name: "EUICCSimulator", targets: ["EUICCSimulator"]),
        // For the fuzz targets (Fuzz/ depends on this package by path).
        .library(name: "UsageService", targets: ["UsageService"]),
        // For the benchmarks: BN254 arithmetic, Pedersen commitments and sigma-proof provers.
        .library(name: "ZKProofs", targets: ["ZKProofs"]),
        .library(name: "Identity", targets: ["Identity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // MARK: RSP encoding and crypto (issue: foundation)
        .target(
            name: "RSPASN1",
            dependencies: [
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "RSPCrypto",
            dependencies: [
                "RSPASN1",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),

        // MARK: eUICC (issue: Software eUICC, LPA and device commands)
        .target(name: "EUICC", dependencies: ["RSPASN1"]),
        .target(
            name: "EUICCSimulator",
            dependencies: [
                "EUICC",
                "RSPASN1",
                "RSPCrypto",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(name: "euicc-crash-harness", dependencies: ["EUICC", "EUICCSimulator", "RSPASN1", "RSPCrypto"]),
        .systemLibrary(
            name: "CPCSCLite",
            pkgConfig: "libpcsclite",
            providers: [.apt(["libpcsclite-dev"])]
        ),
        .target(name: "EUICCTransports", dependencies: ["EUICC", "CPCSCLite"]),

        // MARK: LPA (issue: Software eUICC, LPA and device commands)
        .target(
            name: "LPA",
            dependencies: [
                "EUICC",
                "RSPASN1",
                "RSPCrypto",
                "ES9PlusAPI",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Ethereum (issue: Ethereum client and devnet)
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        .target(
            name: "EthereumCore",
            dependencies: [
                "CSecp256k1",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "EthereumRPC",
            dependencies: ["EthereumCore"]
        ),
        // The JSON-RPC client over HTTP(S) (AsyncHTTPClient): the transport apart from the protocol and JSON types.
        .target(
            name: "EthereumRPCHTTP",
            dependencies: [
                "EthereumCore", "EthereumRPC",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),

        // MARK: Roaming between operators (issue 19): authorisation messages, IMSI pseudonyms and sealing
        .target(
            name: "Roaming",
            dependencies: ["EthereumCore", "Settlement", "UsageService", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The roaming records and commitment outbox in SQLite (docs/ROAMING.md "Operator side").
        .target(name: "RoamingStoreSQLite", dependencies: ["Roaming", "Settlement", "EthereumCore", .product(name: "GRDB", package: "GRDB.swift")]),

        // MARK: SM-DP+ (issue: SM-DP+ server)
        .target(name: "ES9PlusAPI", dependencies: ["RSPASN1"]),
        .target(
            name: "SMDPCore",
            dependencies: [
                "ES9PlusAPI",
                "RSPASN1",
                "RSPCrypto",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "SMDPStoreSQLite",
            dependencies: ["SMDPCore", "RSPASN1", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "SMDPServer",
            dependencies: [
                "SMDPCore", "ES9PlusAPI", "ES2PlusAPI", "RSPCrypto", "X402",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The ES2+ binding (operator ↔ SM-DP+) as Codable types, and its HTTPS client; neither links the server.
        .target(name: "ES2PlusAPI", dependencies: ["ES9PlusAPI", "RSPASN1"]),
        .target(
            name: "ES2PlusHTTPClient",
            dependencies: [
                "ES2PlusAPI", "ES9PlusAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ES9PlusHTTPClient",
            dependencies: [
                "ES9PlusAPI", "LPA",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The LPA side's composition root: pooled ES9+ clients, trust policy, DeviceInfo, ES10 access, soft eUICC provisioning.
        .target(
            name: "LPAClient",
            dependencies: ["LPA", "EUICC", "EUICCSimulator", "ES9PlusAPI", "ES9PlusHTTPClient", "RSPASN1", "RSPCrypto"]
        ),
        // Shared by the SM-DP+ and usage stores on PostgreSQL: connection URLs, schema names, migrations.
        .target(
            name: "PostgresSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SMDPStorePostgres",
            dependencies: ["SMDPCore", "RSPASN1", "PostgresSupport", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // MARK: Activation code QR codes (issue: SM-DP+ server)
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(name: "ActivationCodeQR", dependencies: ["CQREncode"]),
        // MARK: Contract bindings (issue: Verifiable provisioning end to end)
        .target(name: "Settlement", dependencies: ["EthereumCore", "EthereumRPC"]),
        // x402 pay-per-request (docs/X402.md): messages, scheme exact (EIP-3009) and the facilitator's checks.
        .target(name: "X402", dependencies: ["EthereumCore", "EthereumRPC", "Settlement"]),
        // The x402 facilitator's HTTP API (/verify, /settle, /supported) on Hummingbird.
        .target(name: "X402HTTP", dependencies: ["X402", .product(name: "Hummingbird", package: "hummingbird"),
                                                 .product(name: "Crypto", package: "swift-crypto")]),
        // Chain-pinned LPA trust (docs/CHAIN-TRUST.md): the LPA's SM-DP+ trust oracle over TrustRegistry.
        .target(
            name: "LPAChainTrust",
            dependencies: ["LPA", "Settlement", "EthereumCore", "EthereumRPC", "EthereumRPCHTTP"]
        ),
        // The chain-gated SM-DP+ (docs/CHAIN-TRUST.md): entitlement gate and delivery recorder over PlanEntitlements.
        .target(
            name: "SMDPChainTrust",
            dependencies: ["SMDPCore", "RSPASN1", "Settlement", "EthereumCore", "EthereumRPC", "EthereumRPCHTTP",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Usage CDRs, batches and the exactly-once posting/settlement outbox (issue #9 item 4).
        .target(name: "UsageService", dependencies: ["Settlement", "EthereumCore", "EthereumRPC"]),
        .target(name: "UsageStoreSQLite", dependencies: ["UsageService", "Settlement", "EthereumCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "UsageStorePostgres", dependencies: ["UsageService", "Settlement", "EthereumCore", "PostgresSupport",
                                                           .product(name: "PostgresNIO", package: "postgres-nio")]),

        // MARK: Zero-knowledge proofs (issue 18): BN254 field and group arithmetic, Pedersen commitments,
        // opening and range provers, as contracts/pedersen.py and PedersenVerifier.vy define them (docs/PROOFS.md).
        .target(name: "ZKProofs", dependencies: ["EthereumCore"]),

        // MARK: Identity (issue 17): SD-JWT VC credentials (RFC 9901) with Key Binding, ES256 (docs/IDENTITY.md).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "Identity", dependencies: ["EthereumCore", "CZlib", .product(name: "Crypto", package: "swift-crypto")]),

        // MARK: Plan catalog and self-service portal (issue 16, docs/PORTAL.md)
        // Plan metadata documents (hashed on chain), ISO 3166-1 and MCC-MNC names from Debian's data sets.
        .target(name: "Catalog", dependencies: ["EthereumCore"]),
        // `openrsp portal serve`: server-rendered catalog, plan pages, purchase API and entitlements.
        .target(
            name: "Portal",
            dependencies: [
                "Catalog", "Settlement", "UsageService", "EthereumCore", "EthereumRPC", "ActivationCodeQR", "SMDPServer", "ES2PlusHTTPClient",
                "ES2PlusAPI", "X402", "Identity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Application
        .target(
            name: "RSPCommands",
            dependencies: [
                "RSPASN1",
                "RSPCrypto",
                "EthereumRPC", "EthereumRPCHTTP", "X402", "X402HTTP",
                "EUICC",
                "EUICCSimulator",
                "EUICCTransports",
                "LPA", "LPAClient",
                "SMDPCore", "SMDPStoreSQLite", "SMDPServer", "ES9PlusAPI", "ES9PlusHTTPClient", "ES2PlusAPI", "ES2PlusHTTPClient", "ActivationCodeQR",
                "LPAChainTrust", "SMDPChainTrust", "EthereumCore", "Settlement", "UsageService", "UsageStoreSQLite", "UsageStorePostgres",
                "Roaming", "RoamingStoreSQLite", "Identity",
                "SMDPStorePostgres", "PostgresSupport", "Catalog", "Portal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // ConcurrencyExecutor: the event loops as Swift concurrency's executor for smdp serve.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // entitlement profile-status: HTTPS to the SM-DP+ with the CI trust roots.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "openrsp", dependencies: [
            "RSPCommands", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(
            name: "RoamingTests",
            dependencies: ["Roaming", "RoamingStoreSQLite", "Settlement", "UsageService", "EthereumCore",
                           .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "RSPASN1Tests",
            dependencies: ["RSPASN1", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "RSPCryptoTests",
            dependencies: [
                "RSPCrypto", "RSPASN1", .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "RSPCommandsTests",
            dependencies: ["ES2PlusAPI", "ES2PlusHTTPClient", 
                "RSPCommands", "EUICC", "EUICCSimulator", "LPA", "LPAClient", "RSPASN1", "RSPCrypto", "ES9PlusAPI", "SMDPCore", "SMDPStoreSQLite",
                "SMDPServer", "ES9PlusHTTPClient", "SMDPStorePostgres", "PostgresSupport", "ActivationCodeQR", "ES9PlusTestSupport", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EUICCTransportsTests",
            dependencies: ["EUICCTransports", "EUICC", "EUICCSimulator", "RSPASN1", "RSPCrypto", "LPA", "ES9PlusAPI", "SMDPCore", "SMDPStoreSQLite", "ES9PlusTestSupport"]
        ),
        .testTarget(
            name: "LPATests",
            dependencies: ["LPA", "LPAClient", "EUICC", "EUICCSimulator", "RSPASN1", "RSPCrypto", "ES9PlusAPI", "SMDPCore", "SMDPStoreSQLite", "ES9PlusTestSupport"]
        ),
        .testTarget(name: "EUICCTests", dependencies: ["EUICC", "RSPASN1"]),
        .testTarget(
            name: "EUICCSimulatorTests",
            dependencies: [
                "EUICC", "EUICCSimulator", "RSPASN1", "RSPCrypto", "SMDPCore",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "EthereumCore"]),
        .testTarget(name: "ES9PlusAPITests", dependencies: ["ES9PlusAPI", "RSPASN1"]),
        .testTarget(name: "ActivationCodeQRTests", dependencies: ["ActivationCodeQR"]),
        .testTarget(
            name: "SMDPCoreTests",
            dependencies: [
                "SMDPCore", "SMDPStoreSQLite", "SMDPStorePostgres", "PostgresSupport", "ES9PlusAPI", "RSPASN1", "RSPCrypto", "SMDPTestSupport",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SMDPStorePostgresTests",
            dependencies: [
                "SMDPStorePostgres", "PostgresSupport", "SMDPStoreSQLite", "SMDPCore", "RSPASN1",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "EthereumCoreTests",
            dependencies: ["EthereumCore", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SMDPServerTests",
            dependencies: ["ES2PlusAPI", "ES2PlusHTTPClient", 
                "SMDPServer", "ES9PlusHTTPClient", "SMDPCore", "SMDPStoreSQLite", "ES9PlusAPI", "RSPASN1", "RSPCrypto",
                "LPA", "EUICC", "EUICCSimulator", "SMDPTestSupport",
                "SMDPStorePostgres", "PostgresSupport",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Starts the real devnet for the test targets that need a chain.
        .target(name: "DevnetTestSupport", dependencies: ["EthereumCore", "EthereumRPC", "EthereumRPCHTTP"], path: "Tests/Support/DevnetTestSupport"),
        // The LPA's ES9+ client bound in-process to the real SM-DP+ service, for device-side tests.
        .target(name: "ES9PlusTestSupport", dependencies: ["ES9PlusAPI", "LPA", "SMDPCore"], path: "Tests/Support/ES9PlusTestSupport"),
        // SM-DP+ testbed (generated PKI, SQLite store, manual clock) and a test eUICC, for SMDPCoreTests and SMDPServerTests.
        .target(
            name: "SMDPTestSupport",
            dependencies: [
                "SMDPCore", "SMDPStoreSQLite", "ES9PlusAPI", "RSPASN1", "RSPCrypto",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Tests/Support/SMDPTestSupport"
        ),
        .testTarget(name: "EthereumRPCTests", dependencies: ["EthereumRPC", "EthereumRPCHTTP", "EthereumCore", "DevnetTestSupport"]),
        .testTarget(
            name: "ChainTrustTests",
            dependencies: ["ES2PlusAPI", "ES2PlusHTTPClient", 
                "LPAChainTrust", "SMDPChainTrust", "LPA", "SMDPCore", "SMDPStoreSQLite", "SMDPStorePostgres", "PostgresSupport", "Settlement", "EthereumCore", "EthereumRPC", "EthereumRPCHTTP",
                "EUICC", "EUICCSimulator", "RSPASN1", "RSPCrypto", "ES9PlusAPI", "DevnetTestSupport", "ES9PlusTestSupport",
                "SMDPServer", "X402", "X402HTTP", "RSPCommands", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SettlementTests",
            dependencies: ["Settlement", "EthereumCore", "EthereumRPC", "EthereumRPCHTTP", "DevnetTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        // The chain CLI (account, contracts, registry) as child `openrsp` processes against the real devnet.
        .testTarget(
            name: "ChainCommandsTests",
            dependencies: ["RSPCommands", "Settlement", "Roaming", "EthereumCore", "EthereumRPC", "RSPCrypto", "DevnetTestSupport",
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "ZKProofsTests", dependencies: ["ZKProofs", "EthereumCore", "EthereumRPC", "Settlement", "DevnetTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "EthereumCore", .product(name: "Crypto", package: "swift-crypto"),
                                                          .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Fixtures"]),
        .testTarget(
            name: "UsageServiceTests",
            dependencies: ["UsageService", "UsageStoreSQLite", "Settlement", "EthereumCore", "EthereumRPC", "DevnetTestSupport", "SMDPStoreSQLite", "SMDPCore", "RSPCommands",
                           "UsageStorePostgres", "SMDPStorePostgres", "PostgresSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
