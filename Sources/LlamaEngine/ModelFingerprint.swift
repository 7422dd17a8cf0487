import CLlama
import Foundation

/// What a story cache entry must have been written with to be usable: the same model file (its
/// size, first and last mebibyte, and llama.cpp's description of it), the same cache layout and
/// the same llama.cpp state format and build.
/// Reading the whole file would take seconds for a large model; a changed file changes its size,
/// header or tensors at the ends in practice, and anything else written by another model is
/// rejected by llama.cpp's own checks of the state's layers and types.
enum ModelFingerprint {
    static func of(modelAt path: String, model: OpaquePointer, cacheLayout: String) throws -> UInt64 {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let window: UInt64 = 1 << 20
        try handle.seek(toOffset: 0)
        var bytes = [UInt8](try handle.read(upToCount: Int(window)) ?? Data())
        try handle.seek(toOffset: size > window ? size - window : 0)
        bytes += try handle.read(upToCount: Int(window)) ?? Data()
        var description = [CChar](repeating: 0, count: 256)
        let length = llama_model_desc(model, &description, description.count)
        let text = String(decoding: description.prefix(max(0, min(Int(length), description.count - 1))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The library's state format and build (its CPU features) too: a state written by another
        // llama.cpp may not read back the same.
        let library = "\(LLAMA_STATE_SEQ_VERSION)|" + (llama_print_system_info().map { String(cString: $0) } ?? "")
        let identity = "\(size)|\(text)|\(llama_model_n_params(model))|\(cacheLayout)|\(library)"
        bytes += Array(identity.utf8)
        return StoryCacheFile.checksum(bytes)
    }
}
