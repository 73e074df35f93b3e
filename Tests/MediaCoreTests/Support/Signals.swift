import Foundation
@testable import MediaCore

/// Test signals built in memory, interleaved Float.
enum Signals {
    /// A sine tone of `seconds` on every channel.
    static func tone(seconds: Double, rate: Int, channels: Int, frequency: Double = 440, amplitude: Float = 0.5) -> [Float] {
        let frames = Int((seconds * Double(rate)).rounded())
        var out = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            let v = amplitude * Float(sin(2 * Double.pi * frequency * Double(i) / Double(rate)))
            for c in 0..<channels { out[i * channels + c] = v }
        }
        return out
    }

    static func silence(seconds: Double, rate: Int, channels: Int) -> [Float] {
        [Float](repeating: 0, count: Int((seconds * Double(rate)).rounded()) * channels)
    }

    /// Deterministic white noise at `amplitude` (never silent at -40 dBFS when ≥ 0.05).
    static func noise(seconds: Double, rate: Int, channels: Int, amplitude: Float = 0.3, seed: UInt64 = 42) -> [Float] {
        var state = seed
        let count = Int((seconds * Double(rate)).rounded()) * channels
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return amplitude * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    /// Peaky speech, like espeak-ng's: syllables of a glottal pulse train (harmonics in phase,
    /// f0 gliding between 90 and 190 Hz) under raised-cosine envelopes of random length and
    /// level, pauses between words, and a click every couple of seconds 2 dB over the voice's
    /// peaks. Its true peak sits about 22 dB over its integrated loudness (espeak-ng narration
    /// of the fixtures: about 20 dB).
    static func peakySpeech(seconds: Double, rate: Int, channels: Int, seed: UInt64 = 7) -> [Float] {
        var state = seed
        func random() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let frames = Int((seconds * Double(rate)).rounded())
        var mono = [Float](repeating: 0, count: frames)
        var at = Int(0.1 * Double(rate))
        var syllables = 0
        while at < frames {
            let length = Int((0.1 + 0.2 * random()) * Double(rate))
            let level = 0.25 + 0.75 * random()
            let f0 = 90 + 100 * random(), glide = (random() - 0.5) * 60
            let harmonics = Int(min(40, 0.45 * Double(rate) / (f0 + abs(glide))))
            var phase = 0.0
            for i in 0..<min(length, frames - at) {
                let progress = Double(i) / Double(length)
                phase += 2 * Double.pi * (f0 + glide * progress) / Double(rate)
                var v = 0.0
                for h in 1...harmonics { v += cos(Double(h) * phase) / pow(Double(h), 1.5) }
                let envelope = 0.5 - 0.5 * cos(2 * Double.pi * progress)
                mono[at + i] = Float(0.2 * level * envelope * v)
            }
            syllables += 1
            at += length + Int((syllables % 3 == 0 ? 0.15 + 0.35 * random() : 0.02 * random()) * Double(rate))
        }
        for click in stride(from: Int(0.7 * Double(rate)), to: frames, by: 2 * rate) { mono[click] = 0.6 }
        return mono.flatMap { repeatElement($0, count: channels) }
    }

    /// Segments of tone separated by silences: returns the signal and the silence spans in frames.
    static func speechLike(toneSeconds: [Double], silenceSeconds: [Double], rate: Int, channels: Int)
        -> (samples: [Float], silences: [Range<Int64>]) {
        var samples: [Float] = []
        var silences: [Range<Int64>] = []
        for (i, length) in toneSeconds.enumerated() {
            samples += tone(seconds: length, rate: rate, channels: channels, frequency: 300 + Double(i % 5) * 70)
            if i < silenceSeconds.count {
                let start = Int64(samples.count / channels)
                samples += silence(seconds: silenceSeconds[i], rate: rate, channels: channels)
                silences.append(start..<Int64(samples.count / channels))
            }
        }
        return (samples, silences)
    }
}

/// A chunk sink that keeps every chunk's samples in memory.
final class MemorySink: ChunkSink {
    var chunks: [[Float]] = []
    var boundaries: [ChunkBoundary] = []
    private var open = false

    func beginChunk(index: Int, startFrame: Int64) throws {
        precondition(!open && index == chunks.count)
        chunks.append([])
        open = true
    }
    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        precondition(open)
        chunks[chunks.count - 1] += samples
    }
    func endChunk(_ boundary: ChunkBoundary) throws {
        precondition(open)
        open = false
        boundaries.append(boundary)
    }
}

/// Runs a chunker over `samples`, fed in blocks of `block` frames.
func chunk(_ samples: [Float], format: AudioFormat, options: ChunkingOptions, block: Int = 4096) throws
    -> (sink: MemorySink, chunker: Chunker) {
    let sink = MemorySink()
    let chunker = try Chunker(options: options, format: format, sink: sink)
    var offset = 0
    let step = block * format.channels
    try samples.withUnsafeBufferPointer { buffer in
        while offset < buffer.count {
            let end = min(offset + step, buffer.count)
            try chunker.append(UnsafeBufferPointer(rebasing: buffer[offset..<end]))
            offset = end
        }
    }
    try chunker.finish()
    return (sink, chunker)
}

/// A scratch folder removed when the value is dropped.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "mediacore-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// The repository's fixtures folder.
let fixtures: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("fixtures/formats").path) {
            return url.appendingPathComponent("fixtures").path
        }
    }
    fatalError("fixtures folder not found")
}()

/// Decodes a whole file into memory (tests only).
func decodeAll(_ path: String, format: AudioFormat) throws -> [Float] {
    let decoder = try AudioDecoder(path: path, output: format)
    var all: [Float] = []
    try decoder.decode { all += $0 }
    return all
}

func rms(_ samples: ArraySlice<Float>) -> Float {
    guard !samples.isEmpty else { return 0 }
    return (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
}
