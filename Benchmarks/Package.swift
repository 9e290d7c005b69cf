// swift-tools-version: 6.1
// EthereumCore benchmarks, outside the main build graph.
// Run: swift run -c release --package-path Benchmarks EthereumBenchmarks
//      swift run -c release --package-path Benchmarks SettlementBenchmarks
import PackageDescription

let package = Package(
    name: "EthereumBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "OpenRSP", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
    ],
    targets: [
        // Direct access to libsecp256k1 for the raw-C baseline loop.
        .systemLibrary(name: "CSecp256k1Raw", pkgConfig: "libsecp256k1"),
        .executableTarget(
            name: "EthereumBenchmarks",
            dependencies: [
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
                .product(name: "EthereumCore", package: "OpenRSP"),
                .product(name: "Settlement", package: "OpenRSP"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
