package import CLlama

/// How the cache pool stores keys. Values stay 16-bit: llama.cpp quantizes them only with flash
/// attention, which is slower on CPUs (see `LlamaEngine.Configuration.flashAttention`).
public enum KeyCacheType: String, Sendable, CaseIterable {
    case f16
    /// 8-bit keys: 0.53 of the bytes of f16 keys.
    case q8_0

    package var ggmlType: ggml_type {
        switch self {
        case .f16: GGML_TYPE_F16
        case .q8_0: GGML_TYPE_Q8_0
        }
    }
}
