// swift-tools-version:6.0
// A separate package, so the libFuzzer target never slows or breaks the main build.
// Build and run the targets with scripts/fuzz-safetensors.sh and scripts/fuzz-readers.sh.
import PackageDescription

let package = Package(
    name: "ConvKitFuzz",
    dependencies: [.package(name: "ConvKit", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "FuzzSafeTensors",
            dependencies: ["CFuzzerDriver", .product(name: "ConvKit", package: "ConvKit")]
        ),
        .executableTarget(
            name: "FuzzReaders",
            dependencies: ["CFuzzerDriver", .product(name: "ConvKit", package: "ConvKit")]
        ),
    ]
)
