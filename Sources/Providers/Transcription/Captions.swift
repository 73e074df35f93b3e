import Foundation

/// Caption cues by the usual broadcast rules: at most 2 lines of 42 characters, each cue on
/// screen 1 to 7 seconds, split after sentence punctuation, at pauses, at a change of speaker,
/// or when full. The one home of the rule: `runner transcribe` and the transcribe workflow (and
/// its translations) write their captions here.
package enum Captions {
    package struct Cue: Equatable, Sendable {
        package var start: Double
        package var end: Double
        package var lines: [String]

        package init(start: Double, end: Double, lines: [String]) {
            self.start = start
            self.end = end
            self.lines = lines
        }
    }

    package static let maxLineCharacters = 42
    package static let maxLines = 2
    package static let minSeconds = 1.0
    package static let maxSeconds = 7.0
    package static let pauseSeconds = 0.8

    package static func cues(_ words: [Transcript.Word]) -> [Cue] {
        var groups: [[Transcript.Word]] = []
        var current: [Transcript.Word] = []
        for word in words where !word.text.isEmpty {
            if let first = current.first, let last = current.last {
                let candidate = (current + [word]).map(\.text)
                let fits = layout(candidate) != nil
                let tooLong = word.end - first.start > maxSeconds
                let pause = word.start - last.end > pauseSeconds || word.speaker != last.speaker
                let sentenceEnd = last.text.last.map { ".?!".contains($0) } ?? false
                let clauseEnd = last.text.last.map { ",;:".contains($0) } ?? false
                if !fits || tooLong || pause || (sentenceEnd && last.end - first.start >= minSeconds)
                    || (clauseEnd && last.end - first.start >= maxSeconds * 0.6) {
                    groups.append(current)
                    current = []
                }
            }
            current.append(word)
        }
        if !current.isEmpty { groups.append(current) }
        var cues: [Cue] = groups.map { group in
            Cue(start: group.first!.start, end: group.last!.end, lines: layout(group.map(\.text)) ?? hardWrap(group.map(\.text)))
        }
        // Durations: at least 1 s when the next cue leaves room, never overlapping, at most 7 s.
        for i in cues.indices {
            let next = i + 1 < cues.count ? cues[i + 1].start : Double.infinity
            if cues[i].end - cues[i].start < minSeconds { cues[i].end = min(cues[i].start + minSeconds, next) }
            if cues[i].end - cues[i].start > maxSeconds { cues[i].end = cues[i].start + maxSeconds }
            if cues[i].end <= cues[i].start { cues[i].end = cues[i].start + 0.001 }
        }
        return cues
    }

    /// The words on at most 2 lines of at most 42 characters, balanced; nil when they do not fit.
    package static func layout(_ words: [String]) -> [String]? {
        let single = words.joined(separator: " ")
        if single.count <= maxLineCharacters { return [single] }
        var best: [String]?
        var bestWidth = Int.max
        for split in 1..<max(words.count, 1) {
            let a = words[..<split].joined(separator: " ")
            let b = words[split...].joined(separator: " ")
            guard a.count <= maxLineCharacters, b.count <= maxLineCharacters else { continue }
            let width = max(a.count, b.count)
            if width < bestWidth { bestWidth = width; best = [a, b] }
        }
        return best
    }

    /// A single word longer than a line: cut it into 42-character lines.
    package static func hardWrap(_ words: [String]) -> [String] {
        let text = words.joined(separator: " ")
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty, lines.count < maxLines {
            lines.append(String(rest.prefix(maxLineCharacters)))
            rest = rest.dropFirst(maxLineCharacters)
        }
        return lines
    }

    package static func srt(_ cues: [Cue]) -> String {
        cues.enumerated().map { i, cue in
            "\(i + 1)\n\(stamp(cue.start, ",")) --> \(stamp(cue.end, ","))\n\(cue.lines.joined(separator: "\n"))\n"
        }.joined(separator: "\n")
    }

    package static func vtt(_ cues: [Cue]) -> String {
        "WEBVTT\n\n" + cues.map { cue in
            "\(stamp(cue.start, ".")) --> \(stamp(cue.end, "."))\n\(cue.lines.joined(separator: "\n"))\n"
        }.joined(separator: "\n")
    }

    package static func stamp(_ seconds: Double, _ separator: String) -> String {
        let ms = max(0, Int((seconds * 1000).rounded()))
        return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, separator, ms % 1000)
    }
}
