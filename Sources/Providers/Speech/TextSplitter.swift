/// Splits long text for services with an input limit (Cloud TTS: 5,000 UTF-8 bytes; OpenAI:
/// 4,096 characters): at sentence ends first, then at spaces, never inside a character.
package enum TextSplitter {
    package enum Measure: Sendable {
        case utf8Bytes, characters
    }

    package static func split(_ text: String, limit: Int, measure: Measure) -> [String] {
        func size(_ s: some StringProtocol) -> Int { measure == .utf8Bytes ? s.utf8.count : s.count }
        var chunks: [String] = []
        var current = ""
        for sentence in sentences(text) {
            if size(current) + size(sentence) <= limit {
                current += sentence
                continue
            }
            if !current.isEmpty { chunks.append(current) }
            current = ""
            if size(sentence) <= limit {
                current = sentence
                continue
            }
            for word in sentence.split(separator: " ", omittingEmptySubsequences: false).map({ String($0) + " " }) {
                if size(current) + size(word) <= limit {
                    current += word
                } else {
                    if !current.isEmpty { chunks.append(current) }
                    current = ""
                    for character in word {  // a single word longer than the limit
                        if size(current) + size(String(character)) > limit { chunks.append(current); current = "" }
                        current.append(character)
                    }
                }
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// Sentences with their trailing punctuation and whitespace.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var previous: Character?
        for character in text {
            if let previous, ".!?。".contains(previous), character.isWhitespace {
                current.append(character)
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
