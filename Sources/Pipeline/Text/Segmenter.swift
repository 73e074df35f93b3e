import Foundation

/// One TTS-sized piece of a chapter.
struct TextSegment: Codable, Sendable, Equatable {
    var index: Int
    var chapter: Int
    var text: String
    /// Seconds of silence after this segment: longer at a paragraph's or chapter's end.
    var pauseAfter: Double
}

/// Rule-based segmentation: chapters as extracted, then segments of whole sentences up to a
/// size limit. A sentence longer than the limit is split between words; a sentence is never
/// split inside a word unless one word alone exceeds the limit.
struct Segmenter: Sendable {
    enum Measure: String, Codable, Sendable { case characters, utf8Bytes }

    var limit: Int
    var measure: Measure = .characters
    var sentencePause = 0.35
    var paragraphPause = 0.7
    var chapterPause = 1.5

    func size(_ s: some StringProtocol) -> Int { measure == .utf8Bytes ? s.utf8.count : s.count }

    func segments(_ chapters: [ExtractedChapter]) -> [TextSegment] {
        var out: [TextSegment] = []
        for (chapterIndex, chapter) in chapters.enumerated() {
            var pieces: [(text: String, paragraphEnd: Bool)] = []
            if let title = chapter.title, !title.isEmpty {
                pieces.append((title.hasSuffix(".") ? title : title + ".", true))
            }
            for paragraph in chapter.text.components(separatedBy: "\n\n") where !paragraph.isEmpty {
                let sentences = Sentences.split(paragraph)
                for (i, sentence) in sentences.enumerated() {
                    for part in fit(sentence) { pieces.append((part, false)) }
                    if i == sentences.count - 1, !pieces.isEmpty { pieces[pieces.count - 1].paragraphEnd = true }
                }
            }
            var current = ""
            var endsParagraph = false
            func flush() {
                guard !current.isEmpty else { return }
                out.append(TextSegment(index: out.count, chapter: chapterIndex, text: current,
                                       pauseAfter: endsParagraph ? paragraphPause : sentencePause))
                current = ""
            }
            for piece in pieces {
                let joined = current.isEmpty ? piece.text : current + " " + piece.text
                if size(joined) > limit { flush() }
                current = current.isEmpty ? piece.text : current + " " + piece.text
                endsParagraph = piece.paragraphEnd
            }
            flush()
            if !out.isEmpty, out[out.count - 1].chapter == chapterIndex { out[out.count - 1].pauseAfter = chapterPause }
        }
        return out
    }

    /// A sentence as pieces within the limit, split between words only.
    func fit(_ sentence: String) -> [String] {
        guard size(sentence) > limit else { return [sentence] }
        var parts: [String] = []
        var current = ""
        for word in sentence.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if size(candidate) <= limit { current = candidate; continue }
            if !current.isEmpty { parts.append(current) }
            current = ""
            var rest = String(word)
            while size(rest) > limit {  // one word longer than the limit: unavoidable cut
                var head = ""
                for ch in rest where size(head + String(ch)) <= limit { head.append(ch) }
                parts.append(head)
                rest = String(rest.dropFirst(head.count))
            }
            current = rest
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}

/// Sentence boundaries: after `.`, `!`, `?` or `…` (and closing quotes or brackets) followed by
/// whitespace, except after common abbreviations and initials. Decimals (3.14) and dotted
/// names (e.g. example.com) never split since no space follows their dot.
enum Sentences {
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
        "no", "fig", "vol", "pp", "p", "ch", "approx", "dept", "est", "gen", "gov", "col", "capt", "lt", "sgt",
        "rev", "hon", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "cf", "al",
    ]
    static let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "»"]

    static func split(_ paragraph: String) -> [String] {
        let chars = Array(paragraph)
        var sentences: [String] = []
        var start = 0
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if ".!?…".contains(ch) {
                var end = i + 1
                while end < chars.count, ".!?…".contains(chars[end]) || closers.contains(chars[end]) { end += 1 }
                if end == chars.count || chars[end].isWhitespace {
                    if ch != "." || !(isAbbreviation(chars, dot: i, start: start) || nextStartsLowercase(chars, after: end)) {
                        let sentence = String(chars[start..<end]).trimmingCharacters(in: .whitespaces)
                        if !sentence.isEmpty { sentences.append(sentence) }
                        start = end
                    }
                }
                i = end
                continue
            }
            i += 1
        }
        let rest = String(chars[min(start, chars.count)...]).trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { sentences.append(rest) }
        return sentences
    }

    /// A dot followed by a lowercase word ("5 p.m. today") does not end a sentence.
    static func nextStartsLowercase(_ chars: [Character], after index: Int) -> Bool {
        var j = index
        while j < chars.count, chars[j].isWhitespace { j += 1 }
        return j < chars.count && chars[j].isLowercase
    }

    /// True when the word before the dot at `dot` is an abbreviation or an initial ("J.").
    static func isAbbreviation(_ chars: [Character], dot: Int, start: Int) -> Bool {
        var j = dot - 1
        while j >= start, !chars[j].isWhitespace, !"(\"'“‘".contains(chars[j]) { j -= 1 }
        let word = String(chars[(j + 1)..<dot])
        if word.count == 1, word.first!.isUppercase { return true }
        return abbreviations.contains(word.lowercased())
    }
}
