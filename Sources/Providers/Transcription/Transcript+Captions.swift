import Foundation

extension Transcript {
    /// SubRip captions, by the rule of `Captions` (the transcribe workflow writes the same).
    public func srt() -> String { Captions.srt(Captions.cues(words)) }

    /// WebVTT captions, by the rule of `Captions`.
    public func vtt() -> String { Captions.vtt(Captions.cues(words)) }

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
}
