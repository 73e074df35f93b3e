import Basics
import Foundation

/// Speech-like audio for the fake TTS services: one tone burst per letter (~60 ms, pitch from
/// the letter), short gaps for spaces and longer ones for punctuation, so the duration follows
/// the text and the audio is real work for whatever decodes it downstream.
enum FakeSpeech {
    static let secondsPerCharacter = 0.06

    /// Mono s16 samples for `text` at `sampleRate`. Each letter's burst is computed once per
    /// (rate, length, pitch) and then copied, so answering costs the fake what a network answer
    /// costs (copying bytes), not what synthesis costs a real service on its own servers.
    static func samples(for text: String, sampleRate: Int, speed: Double = 1.0) -> [Int16] {
        let perChar = Int(Double(sampleRate) * secondsPerCharacter / max(0.25, speed))
        var out: [Int16] = []
        out.reserveCapacity(perChar * text.count)
        var bursts: [UInt32: [Int16]] = [:]
        for character in text {
            if character.isLetter || character.isNumber {
                let value = character.unicodeScalars.first.map { $0.value % 32 } ?? 0
                if bursts[value] == nil { bursts[value] = burst(pitch: value, length: perChar, sampleRate: sampleRate) }
                out.append(contentsOf: bursts[value]!)
            } else {
                let gap = character.isPunctuation ? perChar * 3 : perChar
                out.append(contentsOf: repeatElement(0, count: gap))
            }
        }
        return out
    }

    /// One letter: a tone (pitch from the letter) that rises and falls within `length` samples.
    static func burst(pitch value: UInt32, length: Int, sampleRate: Int) -> [Int16] {
        let key = BurstKey(pitch: value, length: length, sampleRate: sampleRate)
        if let cached = burstCache.withLock({ $0[key] }) { return cached }
        let frequency = 140 + Double(value) * 12
        var phase = 0.0
        let samples = (0..<length).map { index -> Int16 in
            let envelope = sin(Double.pi * Double(index) / Double(length))
            phase += 2 * Double.pi * frequency / Double(sampleRate)
            let sample = 0.45 * envelope * (sin(phase) + 0.3 * sin(2.7 * phase))
            return Int16(max(-1, min(1, sample)) * 32_000)
        }
        burstCache.withLock { $0[key] = samples }
        return samples
    }

    private struct BurstKey: Hashable {
        var pitch: UInt32
        var length: Int
        var sampleRate: Int
    }

    /// At most 32 pitches per (rate, speed) a client asks for: a few kilobytes each.
    private static let burstCache = Locked<[BurstKey: [Int16]]>([:])

    /// Little-endian bytes of s16 samples (a raw PCM payload).
    static func pcmBytes(_ samples: [Int16]) -> Data {
        #if _endian(little)
        samples.withUnsafeBufferPointer { Data(buffer: $0) }
        #else
        samples.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
        #endif
    }

    /// A 44-byte-header RIFF/WAVE file around s16 mono PCM.
    static func wav(_ samples: [Int16], sampleRate: Int) -> Data {
        let pcm = pcmBytes(samples)
        var data = Data()
        data.reserveCapacity(44 + pcm.count)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + pcm.count); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(pcm.count)
        data.append(pcm)
        return data
    }
}
