import Foundation
import Synchronization

/// What `runner chunk` does to each input, beyond the chunking rule itself.
public struct ChunkJobOptions: Codable, Sendable, Equatable {
    public var chunking: ChunkingOptions
    public var format: AudioFileFormat
    public var audio: AudioFormat
    /// Bits per second for lossy formats; nil picks the format's default.
    public var bitRate: Int?
    /// Seconds without any data from the input before decoding gives up.
    public var ioTimeout: Double

    public init(chunking: ChunkingOptions = .init(), format: AudioFileFormat = .flac,
                audio: AudioFormat = AudioFormat(sampleRate: 16_000, channels: 1), bitRate: Int? = nil, ioTimeout: Double = 30) {
        self.chunking = chunking
        self.format = format
        self.audio = audio
        self.bitRate = bitRate
        self.ioTimeout = ioTimeout
    }

    var encoder: EncoderOptions { EncoderOptions(format: format, audio: audio, bitRate: bitRate) }

    var manifestOutput: ChunkManifest.Output {
        ChunkManifest.Output(format: format, sampleRate: audio.sampleRate, channels: audio.channels, bitRate: bitRate)
    }

    /// - Throws: `MediaError.invalidArgument` naming what cannot work.
    public func validate() throws {
        try chunking.validate()
        try encoder.validate()
    }
}

/// A flag a running job polls between blocks, set from any thread.
package final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package func cancel() { flag.store(true, ordering: .relaxed) }
    package var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Chunks one input file into a folder: decode → resample → chunk → encode, then the manifest.
package enum ChunkFileJob {
    static let manifestName = "manifest.json"

    /// Runs the job on the calling thread (blocking). Skips the work when the folder already
    /// holds a manifest for the same source bytes and options whose chunks are all present.
    /// - Returns: the manifest and whether the input was skipped as already done.
    /// - Throws: `MediaError` naming the input.
    package static func run(input: String, directory: String, options: ChunkJobOptions,
                            cancellation: CancellationFlag? = nil) throws -> (manifest: ChunkManifest, skipped: Bool) {
        try checkReadableRegularFile(input)
        let digest = try sha256Hex(ofFile: input)
        let manifestPath = directory + "/" + manifestName
        if let previous = try? JSONDecoder().decode(ChunkManifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath))),
           previous.source.sha256 == digest.hex, previous.options == options.chunking,
           previous.output == options.manifestOutput, chunksPresent(previous, in: directory) {
            return (previous, true)
        }
        try prepare(directory: directory, format: options.format)

        let decoder = try AudioDecoder(path: input, output: options.audio, ioTimeout: options.ioTimeout)
        let sink = ChunkFileSink(directory: directory, encoderOptions: options.encoder)
        let chunker = try Chunker(options: options.chunking, format: options.audio, sink: sink)
        let frames = try decoder.decodePipelined { block in
            if cancellation?.isCancelled == true { throw MediaError(.cancelled, path: input, reason: "cancelled") }
            try chunker.append(block)
        }
        try chunker.finish()

        let info = decoder.info
        let audio = info.audio!
        let decoded = Double(frames) / Double(options.audio.sampleRate)
        var warnings = decoder.warnings
        if let warning = durationWarning(decoded: decoded, declared: info.durationSeconds) { warnings.append(warning) }
        let audioStreams = info.streams.filter { $0.kind == .audio }.count
        if audioStreams > 1 {
            warnings.append("the file holds \(audioStreams) audio streams; stream #\(info.audioStreamIndex ?? 0) was used")
        }
        let manifest = ChunkManifest(
            source: .init(path: input, sha256: digest.hex, bytes: digest.bytes, format: info.container, codec: audio.codec,
                          durationSeconds: decoded,
                          declaredDurationSeconds: info.durationSeconds,
                          sampleRate: audio.sampleRate ?? 0, channels: audio.channels ?? 0,
                          audioStreamIndex: info.audioStreamIndex, audioStreams: audioStreams),
            output: options.manifestOutput, options: options.chunking, chunks: sink.chunks, warnings: warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestPath), options: .atomic)
        } catch {
            throw MediaError(.io, path: manifestPath, reason: "cannot write manifest: \(error.localizedDescription)")
        }
        return (manifest, false)
    }

    /// A warning when the audio decoded is shorter or longer than the container declares by more
    /// than half a second and 2 % (a truncated or damaged file), else nil.
    package static func durationWarning(decoded: Double, declared: Double?) -> String? {
        guard let declared, declared > 0, abs(decoded - declared) > max(0.5, declared * 0.02) else { return nil }
        return String(format: "decoded %.1f s of the %.1f s the file declares: it is probably truncated or damaged", decoded, declared)
    }

    private static func chunksPresent(_ manifest: ChunkManifest, in directory: String) -> Bool {
        manifest.chunks.allSatisfy { chunk in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + chunk.path)
            return (attributes?[.size] as? NSNumber)?.int64Value == chunk.bytes
        }
    }

    /// Creates the folder and removes what an earlier run left there (its manifest first, so
    /// an interrupted run is never mistaken for a finished one).
    private static func prepare(directory: String, format: AudioFileFormat) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: directory + "/" + manifestName)
            for name in try fm.contentsOfDirectory(atPath: directory) where name.hasPrefix("chunk-") {
                try fm.removeItem(atPath: directory + "/" + name)
            }
        } catch {
            throw MediaError(.io, path: directory, reason: "cannot prepare output folder: \(error.localizedDescription)")
        }
    }
}
