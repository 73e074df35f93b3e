internal import CFFmpeg

/// Converts decoded frames of any rate, layout and sample format into interleaved Float at the
/// target format, down-mixing multichannel input with FFmpeg's standard matrix (centre and
/// surrounds at -3 dB, LFE dropped; stereo to mono as (L+R)/2). Owns one `SwrContext`.
final class Resampler {
    let output: AudioFormat
    private var context: OpaquePointer?
    private var inputSignature: (format: Int32, rate: Int32, layout: AVChannelLayout)?
    private let path: String?

    init(output: AudioFormat, path: String?) {
        self.output = output
        self.path = path
    }

    deinit { swr_free(&context) }

    /// Converts `frame` (nil flushes what the resampler holds) and appends the result to
    /// `out`, which grows as needed. Returns the number of frames appended.
    @discardableResult
    func convert(_ frame: UnsafeMutablePointer<AVFrame>?, appendingTo out: inout [Float]) throws -> Int {
        if let frame { try configure(for: frame) }
        guard let context else { return 0 }
        let inCount = frame.map { Int32($0.pointee.nb_samples) } ?? 0
        let capacity = Int(swr_get_out_samples(context, inCount)) + 16
        guard capacity > 0 else { return 0 }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: capacity * output.channels))
        let produced: Int32 = out.withUnsafeMutableBufferPointer { buffer in
            var outPlane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(buffer.baseAddress! + start)
                .assumingMemoryBound(to: UInt8.self)
            return withUnsafeMutablePointer(to: &outPlane) { outPlanes in
                if let frame {
                    return frame.pointee.extended_data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) {
                        swr_convert(context, outPlanes, Int32(capacity), $0, inCount)
                    }
                }
                return swr_convert(context, outPlanes, Int32(capacity), nil, 0)
            }
        }
        guard produced >= 0 else {
            out.removeLast(capacity * output.channels)
            try check(produced, .resampleFailed, path: path, "swr_convert")
            return 0
        }
        out.removeLast((capacity - Int(produced)) * output.channels)
        return Int(produced)
    }

    /// (Re)creates the context when the input's format, rate or layout differs from the last
    /// frame's (some streams change layout mid-way).
    private func configure(for frame: UnsafeMutablePointer<AVFrame>) throws {
        var inLayout = frame.pointee.ch_layout
        if inLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            let count = inLayout.nb_channels
            av_channel_layout_default(&inLayout, count)
            // No standard layout has this many channels: swresample cannot know which is which,
            // and its own message ("Rematrix is needed…") tells a user nothing.
            if inLayout.order == AV_CHANNEL_ORDER_UNSPEC, count > Int32(output.channels) {
                throw MediaError(.resampleFailed, path: path, reason:
                    "the audio has \(count) channels with no channel layout, which cannot be mixed down to "
                    + "\(output.channels == 1 ? "mono" : "\(output.channels) channels"); convert it to stereo or a standard surround layout first")
            }
        }
        if let signature = inputSignature, signature.format == frame.pointee.format,
           signature.rate == frame.pointee.sample_rate {
            var known = signature.layout
            if av_channel_layout_compare(&known, &inLayout) == 0 { return }
        }
        swr_free(&context)
        var outLayout = AVChannelLayout()
        av_channel_layout_default(&outLayout, Int32(output.channels))
        var newContext: OpaquePointer?
        try check(
            swr_alloc_set_opts2(
                &newContext, &outLayout, AV_SAMPLE_FMT_FLT, Int32(output.sampleRate),
                &inLayout, AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate, 0, nil),
            .resampleFailed, path: path, "swr_alloc_set_opts2")
        // Channel mix: stereo to mono is (L+R)/2, which cannot clip. Surround keeps swresample's
        // standard matrix (centre and surrounds at -3 dB, LFE left out) without scaling it
        // down to the worst case, so dialogue in the centre stays at speech level.
        if inLayout.nb_channels <= 2 {
            av_opt_set_double(UnsafeMutableRawPointer(newContext), "rematrix_maxval", 1.0, 0)
        }
        let initialised = swr_init(newContext)
        if initialised < 0 {
            swr_free(&newContext)
            try check(initialised, .resampleFailed, path: path, "swr_init")
        }
        context = newContext
        inputSignature = (frame.pointee.format, frame.pointee.sample_rate, inLayout)
    }
}

@available(*, unavailable)
extension Resampler: Sendable {}
