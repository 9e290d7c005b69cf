// swift-tools-version: 6.1
// EthereumCore and SM-DP+ benchmarks, outside the main build graph.
// Run: swift run -c release --package-path Benchmarks EthereumBenchmarks
//      swift run -c release --package-path Benchmarks SettlementBenchmarks
//      swift run -c release --package-path Benchmarks SMDPBenchmarks
//      swift run -c release --package-path Benchmarks ZKProofsBenchmarks
//      Benchmarks/es9-load   (ES9+ load against openrsp smdp serve; builds ES9Load)
import PackageDescription

let package = Package(
    name: "EthereumBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "OpenRSP", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The warm-up-then-repeat timing loop of every benchmark executable.
        .target(name: "BenchmarkTiming"),
        // Direct access to libsecp256k1 for the raw-C baseline loop.
        .systemLibrary(name: "CSecp256k1Raw", pkgConfig: "libsecp256k1"),
        .executableTarget(
            name: "EthereumBenchmarks",
            dependencies: [
                "BenchmarkTiming",
                "CSecp256k1Raw",
                .product(name: "EthereumCore", package: "OpenRSP"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        // Usage-batch Merkle root throughput vs raw Keccak-256 (issue 9).
        .executableTarget(
            name: "SettlementBenchmarks",
            dependencies: [
                "BenchmarkTiming",
                .product(name: "EthereumCore", package: "OpenRSP"),
                .product(name: "Settlement", package: "OpenRSP"),
            ]
        ),
        // Prover time per CDR (Pedersen commitment + 32-bit range proof) vs its scalar multiplications (issue 18).
        .executableTarget(
            name: "ZKProofsBenchmarks",
            dependencies: [
                "BenchmarkTiming",
                .product(name: "EthereumCore", package: "OpenRSP"),
                .product(name: "ZKProofs", package: "OpenRSP"),
            ]
        ),
        .executableTarget(
            name: "SMDPBenchmarks",
            dependencies: [
                "BenchmarkTiming",
                .product(name: "SMDPCore", package: "OpenRSP"),
                .product(name: "SMDPStoreSQLite", package: "OpenRSP"),
                .product(name: "SMDPServer", package: "OpenRSP"),
                .product(name: "ES9PlusAPI", package: "OpenRSP"),
                .product(name: "ES9PlusHTTPClient", package: "OpenRSP"),
                .product(name: "LPA", package: "OpenRSP"),
                .product(name: "EUICC", package: "OpenRSP"),
                .product(name: "EUICCSimulator", package: "OpenRSP"),
                .product(name: "RSPASN1", package: "OpenRSP"),
                .product(name: "RSPCrypto", package: "OpenRSP"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Helpers of Benchmarks/es9-load: an initiateAuthentication body, the one-thread P-256 sign rate.
        .executableTarget(
            name: "ES9Load",
            dependencies: [
                "BenchmarkTiming",
                .product(name: "ES9PlusAPI", package: "OpenRSP"),
                .product(name: "EUICC", package: "OpenRSP"),
                .product(name: "EUICCSimulator", package: "OpenRSP"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
