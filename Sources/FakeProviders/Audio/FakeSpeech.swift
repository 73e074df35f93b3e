import Foundation

/// Speech-like audio for the fake TTS services: one tone burst per letter (~60 ms, pitch from
/// the letter), short gaps for spaces and longer ones for punctuation, so the duration follows
/// the text and the audio is real work for whatever decodes it downstream.
enum FakeSpeech {
    static let secondsPerCharacter = 0.06

    /// Mono s16 samples for `text` at `sampleRate`.
    static func samples(for text: String, sampleRate: Int, speed: Double = 1.0) -> [Int16] {
        let perChar = Int(Double(sampleRate) * secondsPerCharacter / max(0.25, speed))
        var out: [Int16] = []
        out.reserveCapacity(perChar * text.count)
        var phase = 0.0
        for character in text {
            if character.isLetter || character.isNumber {
                let value = Double(character.unicodeScalars.first.map { $0.value % 32 } ?? 0)
                let frequency = 140 + value * 12
                for index in 0..<perChar {
                    let t = Double(index) / Double(perChar)
                    let envelope = sin(Double.pi * t)  // rises and falls within the burst
                    phase += 2 * Double.pi * frequency / Double(sampleRate)
                    let sample = 0.45 * envelope * (sin(phase) + 0.3 * sin(2.7 * phase))
                    out.append(Int16(max(-1, min(1, sample)) * 32_000))
                }
            } else {
                let gap = character.isPunctuation ? perChar * 3 : perChar
                out.append(contentsOf: repeatElement(0, count: gap))
            }
        }
        return out
    }

    /// Little-endian bytes of s16 samples (a raw PCM payload).
    static func pcmBytes(_ samples: [Int16]) -> Data {
        samples.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// A 44-byte-header RIFF/WAVE file around s16 mono PCM.
    static func wav(_ samples: [Int16], sampleRate: Int) -> Data {
        let pcm = pcmBytes(samples)
        var data = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + pcm.count); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(pcm.count)
        data.append(pcm)
        return data
    }
}
