/// One piece of a concatenation: an audio file, then an optional pause.
public struct ConcatenationItem: Sendable {
    public var path: String
    /// Seconds of silence written after this item (ignored after the last).
    public var pauseAfter: Double
    public init(path: String, pauseAfter: Double = 0) {
        self.path = path
        self.pauseAfter = pauseAfter
    }
}

/// Where each item landed in the output, in frames and seconds.
public struct ConcatenationSpan: Sendable, Equatable {
    public var path: String
    public var startFrame: Int64
    public var endFrame: Int64
    public var startSeconds: Double
    public var endSeconds: Double
}

/// Joins decoded audio from several files into one output, in order, with pauses of silence
/// between them. Every join is faded over a few milliseconds (out at the end of an item, in
/// at the start of the next) so the seams do not click. Streaming: memory stays flat.
public enum AudioConcatenation {
    /// Length of the fade at each join.
    public static let fadeSeconds = 0.005

    /// - Returns: where each item lies in the output.
    /// - Throws: `MediaError` naming the input or output that failed; the output is not left behind.
    @discardableResult
    public static func concatenate(_ items: [ConcatenationItem], to path: String, options: EncoderOptions) throws -> [ConcatenationSpan] {
        guard !items.isEmpty else { throw MediaError(.invalidArgument, path: path, reason: "nothing to concatenate") }
        let format = options.audio
        let channels = format.channels
        let fadeFrames = max(1, Int(fadeSeconds * Double(format.sampleRate)))
        let encoder = try AudioEncoder(path: path, options: options)
        var spans: [ConcatenationSpan] = []
        var tail: [Float] = []
        for (index, item) in items.enumerated() {
            let start = encoder.framesWritten
            let decoder = try AudioDecoder(path: item.path, output: format)
            var headDone = 0
            tail.removeAll(keepingCapacity: true)
            try decoder.decode { block in
                var samples = tail + Array(block)
                // Fade in the first frames of the item.
                var frame = headDone
                while frame < fadeFrames, (frame - headDone) * channels < samples.count - tail.count {
                    let gain = Float(frame + 1) / Float(fadeFrames + 1)
                    let base = tail.count + (frame - headDone) * channels
                    for c in 0..<channels where base + c < samples.count { samples[base + c] *= gain }
                    frame += 1
                }
                headDone = frame
                // Hold back the last frames: they are faded out if the item ends here.
                let keep = min(samples.count, fadeFrames * channels)
                try samples.withUnsafeBufferPointer { try encoder.write(UnsafeBufferPointer(rebasing: $0[..<(samples.count - keep)])) }
                tail = Array(samples[(samples.count - keep)...])
            }
            let tailFrames = tail.count / channels
            for f in 0..<tailFrames {
                let gain = Float(tailFrames - f) / Float(tailFrames + 1)
                for c in 0..<channels { tail[f * channels + c] *= gain }
            }
            try tail.withUnsafeBufferPointer { try encoder.write($0) }
            let end = encoder.framesWritten
            let rate = Double(format.sampleRate)
            spans.append(.init(path: item.path, startFrame: start, endFrame: end,
                               startSeconds: Double(start) / rate, endSeconds: Double(end) / rate))
            if index < items.count - 1 && item.pauseAfter > 0 {
                let silence = [Float](repeating: 0, count: Int((item.pauseAfter * rate).rounded()) * channels)
                try silence.withUnsafeBufferPointer { try encoder.write($0) }
            }
        }
        try encoder.finish()
        return spans
    }
}
