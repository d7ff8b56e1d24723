// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "snap",
    products: [
        .executable(name: "snap", targets: ["snap"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(
            name: "SnapKit",
            dependencies: [
                "CArchive",
                "CLinux",
                "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "SnapCLI",
            dependencies: [
                "SnapKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "snap",
            dependencies: ["CLinux", "SnapCLI", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SnapTestSupport",
            dependencies: ["SnapKit", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SnapTestSupport"),
        .testTarget(
            name: "SnapKitTests", dependencies: ["SnapKit", "SnapTestSupport"],
            // The age test vectors are data the tests read from the source tree by #filePath.
            exclude: ["Age/testkit"]),
        .testTarget(name: "SnapCLITests", dependencies: ["SnapCLI", "SnapKit", "SnapTestSupport", "snap"]),
    ],
    swiftLanguageModes: [.v6]
)
