import Foundation

/// Keeps story text sent to a model server from turning into the model's own markers.
///
/// A model server applies its chat template to the messages and then tokenizes the result with
/// control markers recognised, so a chapter that spells `<|im_end|>` or `[INST]` would end a turn
/// there and let the story speak as the system or the assistant. The in-process engine tokenizes
/// story text apart and never has this problem; for a server, the markers the common chat
/// templates use are broken before sending with an invisible word joiner (U+2060) after their
/// first character. The model reads the same letters; no tokenizer matches the marker.
enum ControlMarkers {
    static let joiner: Character = "\u{2060}"

    /// Markers of the common templates that do not have the `<|name|>` form, which is broken
    /// wherever `<|` appears: ChatML, Llama 3, Phi, Granite, Qwen and DeepSeek markers all start so.
    static let literalMarkers = [
        "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>", "<s>", "</s>", "<start_of_turn>", "<end_of_turn>",
        "<bos>", "<eos>", "<unk>", "<pad>", "<｜", "[AVAILABLE_TOOLS]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
    ]

    /// `text` with every known marker broken; text without one is returned as it is.
    static func neutralized(_ text: String) -> String {
        guard text.contains("<") || text.contains("[") else { return text }
        var result = text.replacingOccurrences(of: "<|", with: "<\(joiner)|")
        for marker in literalMarkers where result.contains(marker) {
            var broken = marker
            broken.insert(joiner, at: broken.index(after: broken.startIndex))
            result = result.replacingOccurrences(of: marker, with: broken)
        }
        return result
    }
}
