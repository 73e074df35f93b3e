import Foundation

/// Audio as every speech engine returns it: interleaved Float samples in [-1, 1] at a rate.
///
/// This is the one format callers get, whatever the engine produced (raw s16le, WAV, MP3);
/// `AudioOutput` writes it to a file in the format the user asked for.
public struct PCMAudio: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int
    public var channels: Int

    public init(samples: [Float], sampleRate: Int, channels: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// From signed 16-bit little-endian PCM bytes (Gemini, OpenAI `pcm`, espeak-ng).
    public init(s16le bytes: Data, sampleRate: Int, channels: Int = 1) {
        var values = [Int16](repeating: 0, count: bytes.count / 2)
        _ = values.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
        let samples = values.map { Float(Int16(littleEndian: $0)) / 32768 }
        self.init(samples: samples, sampleRate: sampleRate, channels: channels)
    }

    public var duration: Double { Double(samples.count / max(1, channels)) / Double(max(1, sampleRate)) }

    /// Root-mean-square level, 0 for silence.
    public var rms: Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }

    /// Appends `other`, which must have the same rate and channel count.
    mutating func append(_ other: PCMAudio) {
        samples.append(contentsOf: other.samples)
    }
}
