import Foundation

/// A deterministic transcript derived from the audio a fake received: its duration sets the word
/// count (2.5 words a second), a hash of its bytes picks the words, speakers and confidences.
struct FakeTranscript {
    struct Word {
        var text: String
        var start: Double
        var end: Double
        var confidence: Double
        var speaker: Int
    }

    var duration: Double
    var words: [Word]
    /// Index of a word after which an `<inaudible>` element appears (Rev.ai `unknown`), if any.
    var inaudibleAfter: Int?

    private static let vocabulary = [
        "the", "signal", "arrives", "before", "noon", "and", "every", "station", "reports", "clear",
        "weather", "over", "northern", "valleys", "while", "river", "levels", "stay", "low", "today",
        "market", "prices", "rose", "slightly", "after", "morning", "news", "about", "harvest", "season",
    ]

    init(audio: Data, durationOverride: Double? = nil) {
        duration = durationOverride ?? FakeAudioEncoding.duration(of: audio)
        let digest = Self.digest(audio)
        let count = max(1, Int(duration * 2.5))
        words = (0..<count).map { index in
            let a = Int(digest[index % digest.count])
            let b = Int(digest[(index * 7 + 3) % digest.count])
            let start = Double(index) * 0.4
            return Word(
                text: Self.vocabulary[(a + index * 13 + b) % Self.vocabulary.count],
                start: (start * 100).rounded() / 100, end: ((start + 0.32) * 100).rounded() / 100,
                confidence: Double(70 + (a + b) % 31) / 100, speaker: (index / 12) % 2)
        }
        inaudibleAfter = digest[0] % 3 == 0 && count > 4 ? 3 : nil
    }

    /// 32 pseudo-random bytes seeded by an FNV-1a hash of the audio (splitmix64 expansion).
    static func digest(_ data: Data) -> [UInt8] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var out: [UInt8] = []
        for _ in 0..<4 {
            hash &+= 0x9e37_79b9_7f4a_7c15
            var z = hash
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            withUnsafeBytes(of: z) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Sentences of up to 8 words, capitalised, with a full stop.
    var sentences: [[Word]] {
        stride(from: 0, to: words.count, by: 8).map { Array(words[$0..<min($0 + 8, words.count)]) }
    }

    var text: String {
        sentences.map { sentence in
            let joined = sentence.map(\.text).joined(separator: " ")
            return joined.prefix(1).uppercased() + joined.dropFirst() + "."
        }.joined(separator: " ")
    }
}
