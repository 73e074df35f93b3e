internal import CFFmpeg
import Foundation

/// The C objects of an encoder, built in the order FFmpeg requires (muxer, stream, codec,
/// open codec, copy parameters, open file, header), each freed again if a later step fails.
struct EncoderSetup {
    let output: UnsafeMutablePointer<AVFormatContext>
    let stream: UnsafeMutablePointer<AVStream>
    let codec: UnsafeMutablePointer<AVCodecContext>
    let converter: OpaquePointer
    let frame: UnsafeMutablePointer<AVFrame>
    let packet: UnsafeMutablePointer<AVPacket>

    init(path: String, options: EncoderOptions) throws {
        let format = options.format
        guard let encoder = avcodec_find_encoder_by_name(format.encoderName) else {
            throw MediaError(.encodeFailed, path: path, reason: "this FFmpeg has no \(format.encoderName) encoder")
        }
        var maybeOutput: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&maybeOutput, nil, format.muxerName, ffmpegURL(forPath: path)),
                  .encodeFailed, path: path, "avformat_alloc_output_context2")
        let output = maybeOutput!
        var cleanup: [() -> Void] = [{ avformat_free_context(output) }]
        func fail(_ error: any Error) -> any Error {
            cleanup.reversed().forEach { $0() }
            return error
        }
        do {
            guard let stream = avformat_new_stream(output, nil),
                  let codec = avcodec_alloc_context3(encoder) else {
                throw MediaError(.encodeFailed, path: path, reason: "out of memory")
            }
            cleanup.append { var c: UnsafeMutablePointer<AVCodecContext>? = codec; avcodec_free_context(&c) }
            let audio = options.audio
            codec.pointee.sample_rate = Int32(audio.sampleRate)
            av_channel_layout_default(&codec.pointee.ch_layout, Int32(audio.channels))
            codec.pointee.sample_fmt = Self.sampleFormat(for: format, encoder: encoder)
            codec.pointee.time_base = AVRational(num: 1, den: Int32(audio.sampleRate))
            if let rate = options.bitRate ?? format.defaultBitRate(channels: audio.channels, sampleRate: audio.sampleRate) {
                codec.pointee.bit_rate = Int64(rate)
            }
            if let level = options.compressionLevel ?? format.defaultCompressionLevel {
                codec.pointee.compression_level = Int32(level)
            }
            if (output.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
                codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
            }
            try check(avcodec_open2(codec, encoder, nil), .encodeFailed, path: path, "avcodec_open2")
            try check(avcodec_parameters_from_context(stream.pointee.codecpar, codec), .encodeFailed, path: path, "avcodec_parameters_from_context")
            stream.pointee.time_base = codec.pointee.time_base
            for (key, value) in options.metadata.sorted(by: { $0.key < $1.key }) {
                av_dict_set(&output.pointee.metadata, key, value, 0)
                // Ogg keeps tags as the stream's Vorbis comments.
                if format == .opus { av_dict_set(&stream.pointee.metadata, key, value, 0) }
            }
            try Self.addChapters(options.chapters, to: output, path: path)
            let cover = try options.coverArt.map { try Self.addCover($0, to: output, path: path) }

            var converter: OpaquePointer?
            var outLayout = codec.pointee.ch_layout
            var inLayout = codec.pointee.ch_layout
            try check(swr_alloc_set_opts2(&converter, &outLayout, codec.pointee.sample_fmt, codec.pointee.sample_rate,
                                          &inLayout, AV_SAMPLE_FMT_FLT, codec.pointee.sample_rate, 0, nil),
                      .encodeFailed, path: path, "swr_alloc_set_opts2")
            cleanup.append { var s: OpaquePointer? = converter; swr_free(&s) }
            try check(swr_init(converter), .encodeFailed, path: path, "swr_init")

            guard let frame = av_frame_alloc(), let packet = av_packet_alloc() else {
                throw MediaError(.encodeFailed, path: path, reason: "out of memory")
            }
            cleanup.append { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
            cleanup.append { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
            let size = codec.pointee.frame_size > 0 ? codec.pointee.frame_size : 4096
            frame.pointee.nb_samples = size
            frame.pointee.format = codec.pointee.sample_fmt.rawValue
            frame.pointee.sample_rate = codec.pointee.sample_rate
            try check(av_channel_layout_copy(&frame.pointee.ch_layout, &codec.pointee.ch_layout), .encodeFailed, path: path, "av_channel_layout_copy")
            try check(av_frame_get_buffer(frame, 0), .encodeFailed, path: path, "av_frame_get_buffer")

            try check(avio_open(&output.pointee.pb, ffmpegURL(forPath: path), AVIO_FLAG_WRITE), .io, path: path, "open for writing")
            cleanup.append { avio_closep(&output.pointee.pb); unlink(path) }
            try check(avformat_write_header(output, nil), .encodeFailed, path: path, "avformat_write_header")
            if let cover, let art = options.coverArt { try Self.writeCover(art, stream: cover, to: output, packet: packet, path: path) }
            self.output = output
            self.stream = stream
            self.codec = codec
            self.converter = converter!
            self.frame = frame
            self.packet = packet
        } catch {
            throw fail(error)
        }
    }

    /// Picks the encoder's sample format: 16-bit for wav and flac (what speech needs, half the
    /// bytes of 32-bit), float otherwise, whichever the encoder supports.
    private static func sampleFormat(for format: AudioFileFormat, encoder: UnsafePointer<AVCodec>) -> AVSampleFormat {
        let preferred: [AVSampleFormat] = switch format {
        case .wav, .flac: [AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P, AV_SAMPLE_FMT_S32]
        default: [AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S16P, AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S32P]
        }
        var supported: [AVSampleFormat] = []
        if var list = encoder.pointee.sample_fmts {
            while list.pointee != AV_SAMPLE_FMT_NONE {
                supported.append(list.pointee)
                list += 1
            }
        }
        return preferred.first(where: supported.contains) ?? supported.first ?? AV_SAMPLE_FMT_S16
    }

    /// Adds the cover's stream (before the header, as muxers require): one picture, marked
    /// `AV_DISPOSITION_ATTACHED_PIC`, which the mp3 muxer writes as an ID3v2 APIC frame and the
    /// mov/ipod muxer as the `covr` atom.
    private static func addCover(_ art: Data, to output: UnsafeMutablePointer<AVFormatContext>, path: String) throws -> UnsafeMutablePointer<AVStream> {
        let info: StillImageInfo
        do { info = try StillImage.inspect(art) } catch {
            throw MediaError(.invalidArgument, path: path, reason: "cover art: \(error)")
        }
        guard let stream = avformat_new_stream(output, nil) else { throw MediaError(.encodeFailed, path: path, reason: "out of memory") }
        let parameters = stream.pointee.codecpar!
        parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        parameters.pointee.codec_id = info.format.codecID
        parameters.pointee.width = Int32(info.width)
        parameters.pointee.height = Int32(info.height)
        stream.pointee.disposition = AV_DISPOSITION_ATTACHED_PIC
        stream.pointee.time_base = AVRational(num: 1, den: 90_000)
        return stream
    }

    /// Writes the cover's one packet, right after the header and before any audio (the mp3
    /// muxer holds audio back until every picture has come).
    private static func writeCover(_ art: Data, stream: UnsafeMutablePointer<AVStream>, to output: UnsafeMutablePointer<AVFormatContext>,
                                   packet: UnsafeMutablePointer<AVPacket>, path: String) throws {
        try check(av_new_packet(packet, Int32(art.count)), .encodeFailed, path: path, "av_new_packet")
        defer { av_packet_unref(packet) }
        art.withUnsafeBytes { raw in packet.pointee.data.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: art.count) }
        packet.pointee.stream_index = stream.pointee.index
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        packet.pointee.pts = 0
        packet.pointee.dts = 0
        try check(av_write_frame(output, packet), .io, path: path, "av_write_frame (cover art)")
    }

    /// Adds chapters the way the ffmpeg command copies them: AVChapter structs allocated with
    /// av_mallocz and owned by the format context, which frees them.
    private static func addChapters(_ chapters: [Chapter], to output: UnsafeMutablePointer<AVFormatContext>, path: String) throws {
        guard !chapters.isEmpty else { return }
        let bytes = MemoryLayout<UnsafeMutablePointer<AVChapter>?>.stride * chapters.count
        guard let array = av_mallocz(bytes)?.assumingMemoryBound(to: UnsafeMutablePointer<AVChapter>?.self) else {
            throw MediaError(.encodeFailed, path: path, reason: "out of memory")
        }
        output.pointee.chapters = array
        for (index, chapter) in chapters.enumerated() {
            guard let item = av_mallocz(MemoryLayout<AVChapter>.size)?.assumingMemoryBound(to: AVChapter.self) else {
                throw MediaError(.encodeFailed, path: path, reason: "out of memory")
            }
            item.pointee.id = Int64(index + 1)
            item.pointee.time_base = AVRational(num: 1, den: 1000)
            item.pointee.start = Int64((chapter.start * 1000).rounded())
            item.pointee.end = Int64((chapter.end * 1000).rounded())
            av_dict_set(&item.pointee.metadata, "title", chapter.title, 0)
            array[index] = item
            output.pointee.nb_chapters = UInt32(index + 1)
        }
    }
}
