internal import CFFmpeg
import Foundation

/// Writes interleaved Float PCM to an audio file (wav, flac, mp3, opus in ogg, aac in m4a/m4b).
/// Call `write` any number of times, then `finish()` exactly once; an encoder dropped without
/// `finish()` deletes its partial file. Owns its C handles; use it from one thread.
public final class AudioEncoder {
    public let path: String
    public let options: EncoderOptions
    /// Frames written so far.
    public private(set) var framesWritten: Int64 = 0

    private let output: UnsafeMutablePointer<AVFormatContext>
    private let stream: UnsafeMutablePointer<AVStream>
    private let codecContext: UnsafeMutablePointer<AVCodecContext>
    private let converter: OpaquePointer
    private let frame: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frameSize: Int
    private let padsLastFrame: Bool
    private var pending: [Float] = []
    private var finished = false
    private var fileOpen = false

    /// Creates `path` (replacing it) and writes the container header.
    /// - Throws: `MediaError` (`invalidArgument`, `encodeFailed`, `io`) naming the file.
    public init(path: String, options: EncoderOptions) throws {
        _ = ffmpegSetUp
        try options.validate()
        self.path = path
        self.options = options
        let setup = try EncoderSetup(path: path, options: options)
        output = setup.output
        stream = setup.stream
        codecContext = setup.codec
        converter = setup.converter
        frame = setup.frame
        packet = setup.packet
        fileOpen = true
        let codecFrameSize = Int(codecContext.pointee.frame_size)
        let variable = (codecContext.pointee.codec.pointee.capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0
        frameSize = codecFrameSize > 0 && !variable ? codecFrameSize : 4096
        padsLastFrame = codecFrameSize > 0 && !variable
            && (codecContext.pointee.codec.pointee.capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) == 0
        pending.reserveCapacity(frameSize * options.audio.channels * 2)
    }

    deinit {
        var cc: UnsafeMutablePointer<AVCodecContext>? = codecContext
        avcodec_free_context(&cc)
        var swr: OpaquePointer? = converter
        swr_free(&swr)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        if fileOpen { avio_closep(&output.pointee.pb) }
        avformat_free_context(output)
        if !finished { unlink(path) }
    }

    /// Appends interleaved samples (a whole number of frames in `options.audio`).
    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        precondition(!finished, "write after finish")
        let channels = options.audio.channels
        let whole = frameSize * channels
        var offset = 0
        // Encode straight from the caller's buffer when nothing is pending.
        if pending.isEmpty {
            while samples.count - offset >= whole {
                try encodeFrame(UnsafeBufferPointer(rebasing: samples[offset..<(offset + whole)]))
                offset += whole
            }
        }
        pending.append(contentsOf: samples[offset...])
        if pending.count >= whole {
            var consumed = 0
            try pending.withUnsafeBufferPointer { buffer in
                while buffer.count - consumed >= whole {
                    try encodeFrame(UnsafeBufferPointer(rebasing: buffer[consumed..<(consumed + whole)]))
                    consumed += whole
                }
            }
            pending.removeFirst(consumed)
        }
    }

    /// Encodes what is pending, drains the encoder, writes the trailer and closes the file.
    public func finish() throws {
        precondition(!finished, "finish called twice")
        if !pending.isEmpty {
            if padsLastFrame {
                pending.append(contentsOf: repeatElement(0, count: frameSize * options.audio.channels - pending.count))
            }
            try pending.withUnsafeBufferPointer { try encodeFrame($0) }
            pending.removeAll()
        }
        try send(nil)
        try check(av_write_trailer(output), .encodeFailed, path: path, "av_write_trailer")
        fileOpen = false
        try check(avio_closep(&output.pointee.pb), .io, path: path, "avio_closep")
        finished = true
    }

    private func encodeFrame(_ samples: UnsafeBufferPointer<Float>) throws {
        let count = samples.count / options.audio.channels
        try check(av_frame_make_writable(frame), .encodeFailed, path: path, "av_frame_make_writable")
        frame.pointee.nb_samples = Int32(count)
        var input: UnsafePointer<UInt8>? = UnsafeRawPointer(samples.baseAddress!).assumingMemoryBound(to: UInt8.self)
        let converted = withUnsafeMutablePointer(to: &input) { inputPlanes in
            frame.pointee.extended_data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) {
                swr_convert(converter, $0, Int32(count), inputPlanes, Int32(count))
            }
        }
        try check(converted, .encodeFailed, path: path, "swr_convert")
        frame.pointee.pts = framesWritten
        framesWritten += Int64(count)
        try send(frame)
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        try check(avcodec_send_frame(codecContext, frame), .encodeFailed, path: path, "avcodec_send_frame")
        while true {
            let received = avcodec_receive_packet(codecContext, packet)
            if received == cffmpeg_averror_eagain() || received == cffmpeg_averror_eof() { return }
            try check(received, .encodeFailed, path: path, "avcodec_receive_packet")
            av_packet_rescale_ts(packet, codecContext.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            let written = av_write_frame(output, packet)
            av_packet_unref(packet)
            try check(written, .io, path: path, "av_write_frame")
        }
    }
}

@available(*, unavailable)
extension AudioEncoder: Sendable {}
