import CLlama
import Foundation
import Synchronization
import WriterAssistantLLM

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loaded weights and vocabulary.
///
/// Only read-only llama.cpp calls (tokenizing, detokenizing, the chat template) go through this
/// type from several threads; evaluation lives in `LlamaContext`, owned by one thread.
final class LlamaModel: @unchecked Sendable {
    let pointer: OpaquePointer
    let vocab: OpaquePointer
    let trainedContextLength: Int
    private let chatTemplate: String
    /// Token ids by the first byte of their text, for steering an answer to a structural token.
    private let tokensByFirstByte: [[llama_token]]
    /// End-of-generation tokens that plain-text tokenization would still produce from their text.
    private let userDefinedEndTokens: Set<llama_token>
    /// Every token that ends a generation or is the chat template's own (`<|im_start|>`): held
    /// back while an answer is shorter than its minimum, where a model that wants to stop would
    /// otherwise write a turn marker and go on with a made-up conversation.
    let endingTokens: [llama_token]
    /// Per ASCII byte, the tokens that would open a line with it: those whose text begins with it
    /// after spaces, and those that hold a line break followed by it. Found on first use.
    private let lineOpeners = Mutex<[UInt8: (first: [llama_token], within: [llama_token])]>([:])
    /// One DRY sampler per setting, cloned for each answer: creating one searches the whole
    /// vocabulary for its sequence breakers, which would stall the engine thread per request.
    private let dryTemplates = Mutex<[RepetitionControl: DRYTemplate]>([:])

    init(path: String) throws(LlamaEngineError) {
        LlamaBackend.initialize()
        var parameters = llama_model_default_params()
        parameters.n_gpu_layers = 0
        guard let model = llama_model_load_from_file(path, parameters) else {
            throw .modelLoadFailed(path: path)
        }
        guard let vocab = llama_model_get_vocab(model) else {
            llama_model_free(model)
            throw .modelLoadFailed(path: path)
        }
        pointer = model
        self.vocab = vocab
        trainedContextLength = Int(llama_model_n_ctx_train(model))
        // Models without an embedded template get ChatML, the most common one.
        chatTemplate = llama_model_chat_template(model, nil).map { String(cString: $0) } ?? "chatml"
        var byFirstByte = [[llama_token]](repeating: [], count: 256)
        var endTokens: Set<llama_token> = []
        var allEndTokens: [llama_token] = []
        for token in 0..<llama_vocab_n_tokens(vocab) {
            if let first = Self.piece(of: token, vocab: vocab).first { byFirstByte[Int(first)].append(token) }
            if llama_vocab_is_eog(vocab, token) || llama_vocab_is_control(vocab, token) { allEndTokens.append(token) }
            if llama_vocab_is_eog(vocab, token), llama_vocab_get_attr(vocab, token).rawValue & LLAMA_TOKEN_ATTR_USER_DEFINED.rawValue != 0 {
                endTokens.insert(token)
            }
        }
        tokensByFirstByte = byFirstByte
        userDefinedEndTokens = endTokens
        endingTokens = allEndTokens
    }

    deinit {
        dryTemplates.withLock { templates in
            for template in templates.values { llama_sampler_free(template.sampler) }
        }
        llama_model_free(pointer)
    }

    func tokens(startingWith byte: UInt8) -> [llama_token] {
        tokensByFirstByte[Int(byte)]
    }

    /// The tokens that would open a line with `byte`: at a line start, those whose text begins
    /// with it after spaces; anywhere, those that hold a line break followed (after spaces) by it.
    func tokens(openingLinesWith byte: UInt8, atLineStart: Bool) -> [llama_token] {
        let found = lineOpeners.withLock { openers in
            if let known = openers[byte] { return known }
            var first: [llama_token] = []
            var within: [llama_token] = []
            for token in 0..<llama_vocab_n_tokens(vocab) {
                let bytes = Self.piece(of: token, vocab: vocab)
                if bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == byte { first.append(token) }
                var afterBreak = false
                for piece in bytes {
                    if piece == 0x0A { afterBreak = true } else if afterBreak, piece == byte { within.append(token); break }
                    else if piece != 0x20, piece != 0x09 { afterBreak = false }
                }
            }
            openers[byte] = (first, within)
            return (first, within)
        }
        return atLineStart ? found.first + found.within : found.within
    }

    /// A fresh DRY sampler for these settings, or nil when llama.cpp could not make one.
    func drySampler(for settings: RepetitionControl) -> UnsafeMutablePointer<llama_sampler>? {
        dryTemplates.withLock { templates in
            if templates[settings] == nil {
                let breakers = DRYTemplate.sequenceBreakers.map { strdup($0) }
                defer { breakers.forEach { free($0) } }
                var pointers = breakers.map { UnsafePointer($0) }
                let sampler = llama_sampler_init_dry(
                    vocab, Float(settings.dryMultiplier), Float(settings.dryBase),
                    Int32(clamping: settings.dryAllowedLength), Int32(clamping: settings.dryWindow),
                    &pointers, pointers.count)
                templates[settings] = sampler.map(DRYTemplate.init)
            }
            return templates[settings].flatMap { llama_sampler_clone($0.sampler) }
        }
    }

    var vocabularySize: Int { Int(llama_vocab_n_tokens(vocab)) }

    func isEndOfGeneration(_ token: llama_token) -> Bool {
        llama_vocab_is_eog(vocab, token)
    }

    /// Tokenizes `text` byte for byte (a NUL included); `parseSpecial` lets control markers in it
    /// become control tokens, which only the chat template's own scaffolding may do.
    func tokenize(_ text: String, parseSpecial: Bool = false, addBeginning: Bool = false) throws(LanguageModelError) -> [Token] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty || addBeginning else { return [] }
        return try bytes.withUnsafeBufferPointer { buffer throws(LanguageModelError) -> [Token] in
            try buffer.withMemoryRebound(to: CChar.self) { text throws(LanguageModelError) -> [Token] in
                let length = Int32(text.count)
                // With no buffer the call returns minus the number of tokens needed.
                let needed = -llama_tokenize(vocab, text.baseAddress, length, nil, 0, addBeginning, parseSpecial)
                guard needed >= 0 else { throw .tokenizationFailed }
                var tokens = [llama_token](repeating: 0, count: Int(needed))
                let written = llama_tokenize(vocab, text.baseAddress, length, &tokens, needed, addBeginning, parseSpecial)
                guard written == needed else { throw .tokenizationFailed }
                return tokens
            }
        }
    }

    /// Renders the template around placeholders and tokenizes its scaffolding with control tokens
    /// but every message's content as plain text, so no content can close or open a turn, and no
    /// content passes through a C string that a NUL would cut.
    func tokenizeChat(_ messages: [ChatMessage]) throws(LanguageModelError) -> [Token] {
        let placeholders = messages.indices.map { "\u{E000}writer-assistant-content-\($0)\u{E001}" }
        let rendered = try renderChat(zip(messages, placeholders).map { ChatMessage(role: $0.role, content: $1) })
        var scaffolding: [[Token]] = []
        var rest = Substring(rendered)
        for placeholder in placeholders {
            guard let range = rest.range(of: placeholder) else { throw .chatTemplateFailed }
            scaffolding.append(try tokenize(String(rest[..<range.lowerBound]), parseSpecial: true, addBeginning: scaffolding.isEmpty))
            rest = rest[range.upperBound...]
        }
        scaffolding.append(try tokenize(String(rest), parseSpecial: true, addBeginning: scaffolding.isEmpty))

        let guardian = ContentTokenGuard(
            forbidden: Set(scaffolding.joined().filter(isUserDefined)).union(userDefinedEndTokens))
        var tokens = scaffolding[0]
        for (message, after) in zip(messages, scaffolding.dropFirst()) {
            tokens += try guardian.neutralize(
                try tokenize(message.content), spelling: { String(decoding: piece(of: $0, renderingControl: true), as: UTF8.self) },
                tokenize: { text throws(LanguageModelError) in try tokenize(text) })
            tokens += after
        }
        return tokens
    }

    private func isUserDefined(_ token: llama_token) -> Bool {
        llama_vocab_get_attr(vocab, token).rawValue & LLAMA_TOKEN_ATTR_USER_DEFINED.rawValue != 0
    }

    /// The bytes of one token. They may end inside a multi-byte character. Control tokens are
    /// empty unless `renderingControl`.
    func piece(of token: llama_token, renderingControl: Bool = false) -> [UInt8] {
        Self.piece(of: token, vocab: vocab, renderingControl: renderingControl)
    }

    func isControl(_ token: llama_token) -> Bool {
        llama_vocab_is_control(vocab, token) || llama_vocab_is_eog(vocab, token)
    }

    private static func piece(of token: llama_token, vocab: OpaquePointer, renderingControl: Bool = false) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, renderingControl)
        if length < 0 {
            buffer = [CChar](repeating: 0, count: Int(-length))
            length = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, renderingControl)
        }
        return buffer.prefix(Int(max(length, 0))).map { UInt8(bitPattern: $0) }
    }

    func renderChat(_ messages: [ChatMessage]) throws(LanguageModelError) -> String {
        let roles = messages.map { strdup($0.role.rawValue) }
        let contents = messages.map { strdup($0.content) }
        defer {
            roles.forEach { free($0) }
            contents.forEach { free($0) }
        }
        var chat = zip(roles, contents).map { llama_chat_message(role: $0, content: $1) }
        var capacity = messages.reduce(256) { $0 + $1.content.utf8.count * 2 }
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let length = llama_chat_apply_template(chatTemplate, &chat, chat.count, true, &buffer, Int32(capacity))
            guard length >= 0 else { throw .chatTemplateFailed }
            if Int(length) <= capacity {
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(length)
        }
    }
}

/// A configured DRY sampler kept only to be cloned.
private struct DRYTemplate: @unchecked Sendable {
    /// llama.cpp's defaults: a repeat is not continued across a line, a colon, a quote or an asterisk.
    static let sequenceBreakers = ["\n", ":", "\"", "*"]

    let sampler: UnsafeMutablePointer<llama_sampler>
}
