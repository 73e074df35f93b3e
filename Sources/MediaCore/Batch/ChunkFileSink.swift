import Foundation

/// Writes each chunk to `chunk-NNNN.<ext>` in a folder through an `AudioEncoder`, then
/// measures and hashes the finished file.
final class ChunkFileSink: ChunkSink {
    let directory: String
    let encoderOptions: EncoderOptions
    private(set) var chunks: [ChunkManifest.Chunk] = []
    private var encoder: AudioEncoder?

    init(directory: String, encoderOptions: EncoderOptions) {
        self.directory = directory
        self.encoderOptions = encoderOptions
    }

    static func fileName(index: Int, format: AudioFileFormat) -> String {
        String(format: "chunk-%04d.%@", index, format.fileExtension)
    }

    func beginChunk(index: Int, startFrame: Int64) throws {
        let name = Self.fileName(index: index, format: encoderOptions.format)
        encoder = try AudioEncoder(path: directory + "/" + name, options: encoderOptions)
    }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        try encoder!.write(samples)
    }

    func endChunk(_ boundary: ChunkBoundary) throws {
        guard let encoder else { preconditionFailure("endChunk without beginChunk") }
        try encoder.finish()
        self.encoder = nil
        let digest = try sha256Hex(ofFile: encoder.path)
        let rate = Double(encoderOptions.audio.sampleRate)
        chunks.append(ChunkManifest.Chunk(
            index: boundary.index,
            path: Self.fileName(index: boundary.index, format: encoderOptions.format),
            startSample: boundary.startFrame, endSample: boundary.endFrame,
            startSeconds: Double(boundary.startFrame) / rate, endSeconds: Double(boundary.endFrame) / rate,
            durationSeconds: Double(boundary.frames) / rate,
            cut: boundary.cut, bytes: digest.bytes, sha256: digest.hex))
    }
}

@available(*, unavailable)
extension ChunkFileSink: Sendable {}
