internal import CFFmpeg
import Foundation

/// Streams the best audio track of a file as interleaved Float PCM in a chosen format:
/// demux, decode and resample, in blocks, so memory stays flat whatever the input length.
/// Owns its C handles; use it from one thread.
public final class AudioDecoder {
    /// What the file holds.
    public let info: MediaInfo
    /// The format of the samples `decode` delivers.
    public let output: AudioFormat
    /// Things that went wrong but did not stop decoding (damaged packets, a truncated end).
    public private(set) var warnings: [String] = []

    private let input: InputContainer
    private let audioIndex: Int
    private let codecContext: UnsafeMutablePointer<AVCodecContext>
    private let resampler: Resampler
    private let ioTimeout: Double
    /// FFmpeg's reason for the last packet it could not decode.
    private var lastBadReason = ""

    /// Opens `path` and prepares to decode its audio into `output`.
    /// - Throws: `MediaError` naming the file: `openFailed`, `notMedia`, `noAudio`, `decodeFailed`.
    public init(path: String, output: AudioFormat, ioTimeout: Double = 30) throws {
        try output.validate()
        input = try InputContainer(path: path, ioTimeout: ioTimeout)
        info = MediaProbe.info(of: input)
        guard let index = info.audioStreamIndex else {
            let kinds = info.streams.map(\.kind.rawValue)
            let reason: String
            if let unusable = info.streams.first(where: { $0.kind == .audio }) {
                // FFmpeg saw an audio stream but not its rate or channels: a damaged file, or
                // bytes that are not what the extension says.
                reason = "its \(unusable.codec) audio stream has no usable sample rate or channel count "
                    + "(\(unusable.sampleRate ?? 0) Hz, \(unusable.channels ?? 0) channels): the file is damaged or not really \(unusable.codec)"
            } else {
                reason = kinds.isEmpty ? "the file holds no streams" : "the file holds only \(Set(kinds).sorted().joined(separator: ", ")) streams"
            }
            throw MediaError(.noAudio, path: path, reason: reason)
        }
        audioIndex = index
        for other in 0..<input.streamCount where other != index {
            input.stream(other).pointee.discard = AVDISCARD_ALL
        }
        let stream = input.stream(index)
        guard let codec = avcodec_find_decoder(stream.pointee.codecpar.pointee.codec_id) else {
            throw MediaError(.decodeFailed, path: path, reason: "no decoder for codec \(info.streams[index].codec)")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw MediaError(.decodeFailed, path: path, reason: "out of memory")
        }
        do {
            try check(avcodec_parameters_to_context(context, stream.pointee.codecpar), .decodeFailed, path: path, "avcodec_parameters_to_context")
            context.pointee.pkt_timebase = stream.pointee.time_base
            try check(avcodec_open2(context, codec, nil), .decodeFailed, path: path, "avcodec_open2")
        } catch {
            var toFree: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&toFree)
            throw error
        }
        codecContext = context
        resampler = Resampler(output: output, path: path)
        self.output = output
        self.ioTimeout = ioTimeout
    }

    deinit {
        var toFree: UnsafeMutablePointer<AVCodecContext>? = codecContext
        avcodec_free_context(&toFree)
    }

    /// Asks a running `decode` to stop at the next packet; it then throws `cancelled`.
    /// Safe to call from any thread.
    public func cancel() { input.interrupt.cancel() }

    var interrupt: InterruptState { input.interrupt }

    /// Decodes to the end, handing `body` consecutive blocks of interleaved samples (each a
    /// whole number of frames, at most about `blockFrames`). Returns the number of frames
    /// delivered.
    /// - Throws: `MediaError` (`decodeFailed`, `empty`, `timedOut`, `cancelled`) or what `body` throws.
    @discardableResult
    public func decode(blockFrames: Int = 32_768, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Int64 {
        var blocks = BlockAssembler(channels: output.channels, blockFrames: blockFrames)
        try forEachFrame { frame in
            try resampler.convert(frame, appendingTo: &blocks.pending)
            try blocks.deliver(force: false, to: body)
        }
        return try finishResampling(&blocks, body)
    }

    /// Drains the resampler into the last block and checks that something was decoded.
    func finishResampling(_ blocks: inout BlockAssembler, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Int64 {
        try resampler.convert(nil, appendingTo: &blocks.pending)
        try blocks.deliver(force: true, to: body)
        guard blocks.delivered > 0 else {
            throw MediaError(.empty, path: input.path,
                reason: lastBadReason.isEmpty ? "the audio stream holds no samples" : "no audio could be decoded: \(lastBadReason)")
        }
        return blocks.delivered
    }

    /// Resamples one decoded frame (on whichever thread owns the resampler).
    func resample(_ frame: UnsafeMutablePointer<AVFrame>, into blocks: inout BlockAssembler) throws {
        try resampler.convert(frame, appendingTo: &blocks.pending)
    }

    /// Demuxes and decodes the audio stream, lending each decoded frame to `body` (which must
    /// move the frame's reference out if it keeps it). Damaged packets are counted and
    /// reported in `warnings`; a read error after some audio ends the stream with a warning.
    func forEachFrame(_ body: (UnsafeMutablePointer<AVFrame>) throws -> Void) throws {
        let path = input.path
        guard let packet = av_packet_alloc() else { throw MediaError(.decodeFailed, path: path, reason: "out of memory") }
        guard let frame = av_frame_alloc() else {
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
            throw MediaError(.decodeFailed, path: path, reason: "out of memory")
        }
        defer {
            var p: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&p)
            var f: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&f)
        }
        var badPackets = 0
        var decodedSeconds = 0.0

        func drainFrames() throws {
            while true {
                let received = avcodec_receive_frame(codecContext, frame)
                if received == cffmpeg_averror_eagain() || received == cffmpeg_averror_eof() { return }
                if received < 0 {
                    badPackets += 1
                    lastBadReason = ffmpegErrorString(received)
                    return
                }
                if frame.pointee.sample_rate > 0 {
                    decodedSeconds += Double(frame.pointee.nb_samples) / Double(frame.pointee.sample_rate)
                }
                try body(frame)
                av_frame_unref(frame)
            }
        }

        while true {
            if input.interrupt.isCancelled { throw MediaError(.cancelled, path: path, reason: "decoding cancelled") }
            let read = av_read_frame(input.context, packet)
            if read == cffmpeg_averror_eof() { break }
            if read < 0 {
                if input.interrupt.didTimeOut {
                    throw MediaError(.timedOut, path: path, reason: "no data for \(ioTimeout) s while reading")
                }
                if input.interrupt.isCancelled { throw MediaError(.cancelled, path: path, reason: "decoding cancelled") }
                warnings.append("reading stopped at \(String(format: "%.2f", decodedSeconds)) s: \(ffmpegErrorString(read))")
                _ = takeFFmpegLogLine()
                break
            }
            input.interrupt.progressed()
            defer { av_packet_unref(packet) }
            guard Int(packet.pointee.stream_index) == audioIndex else { continue }
            let sent = avcodec_send_packet(codecContext, packet)
            if sent < 0 && sent != cffmpeg_averror_eagain() {
                badPackets += 1
                lastBadReason = ffmpegErrorString(sent)
                _ = takeFFmpegLogLine()
                continue
            }
            try drainFrames()
        }
        avcodec_send_packet(codecContext, nil)
        try drainFrames()
        if badPackets > 0 {
            warnings.append("\(badPackets) damaged packet(s) skipped (\(lastBadReason))")
        }
    }
}

/// Collects resampled samples and hands them on in blocks of about `blockFrames`.
struct BlockAssembler {
    let channels: Int
    let blockFrames: Int
    var pending: [Float] = []
    private(set) var delivered: Int64 = 0

    init(channels: Int, blockFrames: Int) {
        self.channels = channels
        self.blockFrames = blockFrames
        pending.reserveCapacity((blockFrames + 8192) * channels)
    }

    mutating func deliver(force: Bool, to body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard !pending.isEmpty, force || pending.count >= blockFrames * channels else { return }
        try pending.withUnsafeBufferPointer { try body($0) }
        delivered += Int64(pending.count / channels)
        pending.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension AudioDecoder: Sendable {}
