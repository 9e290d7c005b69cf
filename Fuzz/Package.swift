// swift-tools-version: 6.1
// libFuzzer targets for every OpenRSP decoder that takes outside bytes, outside the main build graph.
// Build and run: scripts/fuzz --help (builds with -sanitize=fuzzer,address into Fuzz/.build).
import PackageDescription

let package = Package(
    name: "OpenRSPFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "OpenRSP", path: ".."),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, called from main.swift (SwiftPM gives executables their own main).
        .target(name: "CLibFuzzer"),
        // One executable, the target chosen by OPENRSP_FUZZ_TARGET (scripts/fuzz sets it).
        .executableTarget(
            name: "openrsp-fuzz",
            dependencies: [
                "CLibFuzzer",
                .product(name: "RSPASN1", package: "OpenRSP"),
                .product(name: "RSPCrypto", package: "OpenRSP"),
                .product(name: "EUICC", package: "OpenRSP"),
                .product(name: "EUICCSimulator", package: "OpenRSP"),
                .product(name: "ES9PlusAPI", package: "OpenRSP"),
                .product(name: "LPA", package: "OpenRSP"),
                .product(name: "EthereumCore", package: "OpenRSP"),
                .product(name: "EthereumRPC", package: "OpenRSP"),
                .product(name: "UsageService", package: "OpenRSP"),
                .product(name: "SMDPServer", package: "OpenRSP"),
                .product(name: "ES2PlusAPI", package: "OpenRSP"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
