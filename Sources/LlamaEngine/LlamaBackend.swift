import CLlama
import Logging
import Synchronization

/// Process-wide llama.cpp set-up, done once before the first model loads.
enum LlamaBackend {
    static func initialize() {
        _ = initialized
    }

    private static let initialized: Void = {
        llama_backend_init()
        llama_log_set({ level, text, _ in
            guard let text else { return }
            LlamaLog.receive(level, String(cString: text))
        }, nil)
    }()
}

/// llama.cpp's own log, routed into swift-log under the label `llama.cpp`. Its narration of every
/// load (INFO) becomes debug level, so an operator sees its warnings and errors at the default
/// level and everything with `--log-level debug`.
enum LlamaLog {
    private static let logger = Logger(label: "llama.cpp")
    /// llama.cpp writes a line in pieces (continuations); a line is logged once it is whole.
    private static let pending = Mutex<(level: Logger.Level, text: String)>((.debug, ""))

    static func receive(_ level: ggml_log_level, _ piece: String) {
        let lines: [(Logger.Level, String)] = pending.withLock { pending in
            if level != GGML_LOG_LEVEL_CONT {
                pending.level = Self.level(of: level)
            }
            pending.text += piece
            guard pending.text.contains("\n") else { return [] }
            var parts = pending.text.split(separator: "\n", omittingEmptySubsequences: false)
            pending.text = String(parts.removeLast())
            return parts.filter { !$0.isEmpty }.map { (pending.level, String($0)) }
        }
        for (level, line) in lines {
            logger.log(level: level, "\(line)")
        }
    }

    private static func level(of level: ggml_log_level) -> Logger.Level {
        switch level {
        case GGML_LOG_LEVEL_ERROR: .error
        case GGML_LOG_LEVEL_WARN: .warning
        case GGML_LOG_LEVEL_INFO: .debug
        default: .trace
        }
    }
}
