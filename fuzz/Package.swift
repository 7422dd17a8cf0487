// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer harnesses for what reads hostile bytes: the request decoder and validator, and the
// answer parser. Built by `make fuzz` with `-sanitize=fuzzer`, which only this package's
// dependencies (the inputs in WriterAssistantFuzzing with the API and core targets, no server)
// are compiled with.
let parent = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let parentIdentity = parent.lastPathComponent.lowercased()

let package = Package(
    name: "writer-assistant-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                "FuzzSupport",
                .product(name: "WriterAssistantFuzzing", package: parentIdentity),
            ]),
        .executableTarget(
            name: "FuzzAnswer",
            dependencies: [
                "FuzzSupport",
                .product(name: "WriterAssistantFuzzing", package: parentIdentity),
            ]),
    ]
)
