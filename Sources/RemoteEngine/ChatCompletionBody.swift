import Foundation
import WriterAssistantLLM

/// The JSON body of a streamed chat request, in the peer's dialect.
enum ChatCompletionBody {
    /// `cacheSalt` keeps the peer's prefix cache for this request apart from other salts' (vLLM's
    /// `cache_salt`); nil for peers that do not take it.
    static func encode(
        _ request: GenerationRequest, model: String, dialect: RemoteDialect, contextLength: Int, cacheSalt: String? = nil
    ) throws -> Data {
        if dialect == .ollama {
            return try ollama(request, model: model, contextLength: contextLength)
        }
        var body: [String: Any] = [
            "model": model,
            "messages": request.prompt.messages.map { ["role": $0.role.rawValue, "content": ControlMarkers.neutralized($0.content)] },
            "stream": true,
            "max_tokens": request.sampling.maxTokens,
            "temperature": request.sampling.temperature,
            "top_p": request.sampling.topP,
        ]
        if let seed = request.sampling.seed { body["seed"] = Int(seed) }
        if let cacheSalt { body["cache_salt"] = cacheSalt }
        switch dialect {
        case .openai, .ollama, .auto:
            // Token counts come in a last chunk only when asked for.
            body["stream_options"] = ["include_usage": true]
            if let schema = try request.constraint?.jsonSchema.map(parse) {
                // Not strict: OpenAI's strict mode refuses the length bounds that servers which
                // compile the schema to a grammar (vLLM, llama.cpp's) use to keep strings useful.
                body["response_format"] = ["type": "json_schema", "json_schema": ["name": "answer", "strict": false, "schema": schema]]
            }
        case .llamaCpp:
            body["top_k"] = request.sampling.topK
            body["min_p"] = request.sampling.minP
            body["repeat_penalty"] = request.sampling.repetition.repeatPenalty
            if request.sampling.minTokens > 0, request.constraint == nil { body["min_tokens"] = request.sampling.minTokens }
            if let grammar = request.constraint?.grammar {
                body["grammar"] = grammar
            } else if let schema = try request.constraint?.jsonSchema.map(parse) {
                body["response_format"] = ["type": "json_object", "schema": schema]
            }
        }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    /// Ollama's `/api/chat`: sampling in `options`, the context it should allocate, the shape as
    /// a schema in `format`.
    private static func ollama(_ request: GenerationRequest, model: String, contextLength: Int) throws -> Data {
        var options: [String: Any] = [
            "temperature": request.sampling.temperature,
            "top_p": request.sampling.topP,
            "top_k": request.sampling.topK,
            "min_p": request.sampling.minP,
            "repeat_penalty": request.sampling.repetition.repeatPenalty,
            "num_predict": request.sampling.maxTokens,
            // Its default context is smaller than a story: it would cut the prompt silently.
            "num_ctx": contextLength,
        ]
        if let seed = request.sampling.seed { options["seed"] = Int(seed) }
        var body: [String: Any] = [
            "model": model,
            "messages": request.prompt.messages.map { ["role": $0.role.rawValue, "content": ControlMarkers.neutralized($0.content)] },
            "stream": true,
            "options": options,
        ]
        if let schema = try request.constraint?.jsonSchema.map(parse) { body["format"] = schema }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    private static func parse(_ schema: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(schema.utf8))
    }
}
