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
        self = bytes.withUnsafeBytes { PCMAudio(s16le: $0, sampleRate: sampleRate, channels: channels) }
    }

    /// From signed 16-bit little-endian PCM in memory, converted in one pass.
    init(s16le bytes: UnsafeRawBufferPointer, sampleRate: Int, channels: Int = 1) {
        let count = bytes.count / 2
        let samples = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) / 32768
            }
            initialized = count
        }
        self.init(samples: samples, sampleRate: sampleRate, channels: channels)
    }

    public var duration: Double { Double(samples.count / max(1, channels)) / Double(max(1, sampleRate)) }

    /// Root-mean-square level, 0 for silence.
    public var rms: Float {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
    }

    /// Appends `other` (a later chunk of the same speech).
    /// - Throws: `ProviderError(.invalidResponse)` when its rate or channel count differs.
    mutating func append(_ other: PCMAudio, provider: String) throws {
        guard other.sampleRate == sampleRate, other.channels == channels else {
            throw ProviderError(.invalidResponse, provider: provider, message: "audio chunks differ in format (\(sampleRate) Hz vs \(other.sampleRate) Hz)")
        }
        samples.append(contentsOf: other.samples)
    }
}
