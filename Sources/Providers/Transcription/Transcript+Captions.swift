import Foundation

extension Transcript {
    /// Caption cues: consecutive words of one speaker, at most `maxWords` words or
    /// `maxSeconds` long, broken after sentence punctuation.
    package func cues(maxWords: Int = 12, maxSeconds: Double = 6) -> [(start: Double, end: Double, text: String)] {
        var cues: [(start: Double, end: Double, text: String)] = []
        var current: [Word] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            cues.append((first.start, last.end, current.map(\.text).joined(separator: " ")))
            current = []
        }
        for word in words {
            if let first = current.first,
                current.count >= maxWords || word.end - first.start > maxSeconds || word.speaker != first.speaker
            {
                flush()
            }
            current.append(word)
            if let last = word.text.last, ".?!".contains(last) { flush() }
        }
        flush()
        return cues
    }

    /// SubRip captions.
    public func srt() -> String {
        cues().enumerated().map { index, cue in
            "\(index + 1)\n\(Self.stamp(cue.start, ",")) --> \(Self.stamp(cue.end, ","))\n\(cue.text)\n"
        }.joined(separator: "\n")
    }

    /// WebVTT captions.
    public func vtt() -> String {
        "WEBVTT\n\n" + cues().map { cue in "\(Self.stamp(cue.start, ".")) --> \(Self.stamp(cue.end, "."))\n\(cue.text)\n" }
            .joined(separator: "\n")
    }

    /// Plain text, one paragraph per change of speaker.
    public func plainText() -> String {
        guard words.contains(where: { $0.speaker != nil }) else { return text + "\n" }
        var paragraphs: [(Int?, [String])] = []
        for word in words {
            if let last = paragraphs.last, last.0 == word.speaker { paragraphs[paragraphs.count - 1].1.append(word.text) }
            else { paragraphs.append((word.speaker, [word.text])) }
        }
        return paragraphs.map { "Speaker \($0.0.map(String.init) ?? "?"): " + $0.1.joined(separator: " ") }.joined(separator: "\n\n") + "\n"
    }

    static func stamp(_ seconds: Double, _ separator: String) -> String {
        let ms = max(0, Int((seconds * 1000).rounded()))
        return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, separator, ms % 1000)
    }
}
