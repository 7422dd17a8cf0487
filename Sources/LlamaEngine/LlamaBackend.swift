import CLlama

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide llama.cpp set-up, done once before the first model loads.
enum LlamaBackend {
    static func initialize() {
        _ = initialized
    }

    private static let initialized: Void = {
        llama_backend_init()
        // llama.cpp narrates every load at INFO level; only warnings and errors are worth a
        // server operator's attention.
        llama_log_set({ level, text, _ in
            guard let text, level.rawValue >= GGML_LOG_LEVEL_WARN.rawValue, level != GGML_LOG_LEVEL_CONT else {
                return
            }
            _ = write(2, text, strlen(text))
        }, nil)
    }()
}
