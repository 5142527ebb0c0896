// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ConvKit",
    products: [
        .library(name: "ConvKit", targets: ["ConvKit"]),
        .executable(name: "convkit", targets: ["convkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // C kernels compiled per function for AVX2/FMA with run-time dispatch (SGEMM, 2×2 max pool,
        // unit-stride im2col/col2im) and the thread pool; see include/ConvKitKernelsC.h.
        .target(name: "ConvKitKernelsC"),
        .target(name: "ConvKitKernels", dependencies: ["ConvKitKernelsC", "CZlib"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "ConvKit",
            dependencies: [
                "ConvKitKernels",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .executableTarget(
            name: "convkit",
            dependencies: [
                "ConvKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ConvKitKernelsTests", dependencies: ["ConvKitKernels"]),
        .testTarget(
            name: "ConvKitTests",
            dependencies: ["ConvKit", "ConvKitKernels", "convkit"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
