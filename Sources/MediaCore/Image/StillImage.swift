internal import CFFmpeg
import Foundation

/// The still-image formats the pipeline reads and writes.
public enum StillImageFormat: String, Sendable, Codable {
    case png, jpeg

    /// The format the bytes start with (PNG signature, JPEG SOI marker), or nil.
    public static func sniff(_ data: Data) -> StillImageFormat? {
        let head = [UInt8](data.prefix(8))
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        return nil
    }

    var codecID: AVCodecID { self == .png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG }
}

/// A still image decoded by FFmpeg: proof that its bytes are a whole picture, and its size.
public struct StillImageInfo: Sendable, Equatable {
    public var format: StillImageFormat
    public var width: Int
    public var height: Int

    public init(format: StillImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}

/// Reads, checks, converts and writes PNG and JPEG images through FFmpeg's png and mjpeg
/// codecs (one whole image per packet, as the image2 demuxer feeds them).
public enum StillImage {
    /// Decodes `data` completely and reports its format and size.
    /// - Throws: `MediaError(.notMedia)` when the bytes are neither PNG nor JPEG,
    ///   `.decodeFailed` when FFmpeg cannot decode them into a picture.
    public static func inspect(_ data: Data) throws -> StillImageInfo {
        try decode(data) { frame, format in
            StillImageInfo(format: format, width: Int(frame.pointee.width), height: Int(frame.pointee.height))
        }
    }

    /// The image as PNG: PNG input is decoded (to prove it whole) and returned as it is; JPEG
    /// is decoded, turned into RGB and encoded as PNG.
    /// - Throws: as `inspect`, and `MediaError(.encodeFailed)` when the PNG cannot be made.
    public static func png(from data: Data) throws -> (png: Data, info: StillImageInfo) {
        let (rgb, info) = try decode(data) { frame, format -> ([UInt8]?, StillImageInfo) in
            let info = StillImageInfo(format: format, width: Int(frame.pointee.width), height: Int(frame.pointee.height))
            return (format == .png ? nil : try rgbPixels(frame), info)
        }
        guard let rgb else { return (data, info) }
        return (try encode(rgb: rgb, width: info.width, height: info.height, as: .png), info)
    }

    /// Encodes 8-bit RGB pixels (rows top to bottom, `width * 3` bytes each) as PNG or JPEG.
    /// - Throws: `MediaError(.invalidArgument)` for a size that does not match the pixels,
    ///   `.encodeFailed` when FFmpeg's encoder fails.
    public static func encode(rgb: [UInt8], width: Int, height: Int, as format: StillImageFormat) throws -> Data {
        _ = ffmpegSetUp
        guard width > 0, height > 0, rgb.count == width * height * 3 else {
            throw MediaError(.invalidArgument, path: nil, reason: "\(rgb.count) bytes are not \(width)x\(height) RGB pixels")
        }
        guard let codec = avcodec_find_encoder(format.codecID) else {
            throw MediaError(.encodeFailed, path: nil, reason: "this FFmpeg has no \(format.rawValue) encoder")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw MediaError(.encodeFailed, path: nil, reason: "out of memory") }
        defer { var c: UnsafeMutablePointer<AVCodecContext>? = context; avcodec_free_context(&c) }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.time_base = AVRational(num: 1, den: 25)
        let pixelFormat = format == .png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUVJ420P
        context.pointee.pix_fmt = pixelFormat
        if format == .jpeg {
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = 3 * FF_QP2LAMBDA
        }
        try check(avcodec_open2(context, codec, nil), .encodeFailed, path: nil, "avcodec_open2")
        guard let frame = av_frame_alloc() else { throw MediaError(.encodeFailed, path: nil, reason: "out of memory") }
        defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = pixelFormat.rawValue
        try check(av_frame_get_buffer(frame, 0), .encodeFailed, path: nil, "av_frame_get_buffer")
        if format == .png { fillRGB(frame, rgb, width: width, height: height) } else { fillYUV420(frame, rgb, width: width, height: height) }
        frame.pointee.pts = 0
        guard let packet = av_packet_alloc() else { throw MediaError(.encodeFailed, path: nil, reason: "out of memory") }
        defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
        try check(avcodec_send_frame(context, frame), .encodeFailed, path: nil, "avcodec_send_frame")
        try check(avcodec_send_frame(context, nil), .encodeFailed, path: nil, "avcodec_send_frame")
        var out = Data()
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == cffmpeg_averror_eof() || received == cffmpeg_averror_eagain() { break }
            try check(received, .encodeFailed, path: nil, "avcodec_receive_packet")
            out.append(packet.pointee.data, count: Int(packet.pointee.size))
            av_packet_unref(packet)
        }
        guard !out.isEmpty else { throw MediaError(.encodeFailed, path: nil, reason: "the \(format.rawValue) encoder produced nothing") }
        return out
    }

    /// Decodes the one picture in `data` and hands its frame to `body` while it is alive.
    private static func decode<T>(_ data: Data, _ body: (UnsafeMutablePointer<AVFrame>, StillImageFormat) throws -> T) throws -> T {
        _ = ffmpegSetUp
        guard !data.isEmpty else { throw MediaError(.empty, path: nil, reason: "the image is empty") }
        guard let format = StillImageFormat.sniff(data) else {
            throw MediaError(.notMedia, path: nil, reason: "the bytes are neither PNG nor JPEG")
        }
        guard let codec = avcodec_find_decoder(format.codecID) else {
            throw MediaError(.decodeFailed, path: nil, reason: "this FFmpeg has no \(format.rawValue) decoder")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw MediaError(.decodeFailed, path: nil, reason: "out of memory") }
        defer { var c: UnsafeMutablePointer<AVCodecContext>? = context; avcodec_free_context(&c) }
        try check(avcodec_open2(context, codec, nil), .decodeFailed, path: nil, "avcodec_open2")
        guard let packet = av_packet_alloc() else { throw MediaError(.decodeFailed, path: nil, reason: "out of memory") }
        defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
        guard let frame = av_frame_alloc() else { throw MediaError(.decodeFailed, path: nil, reason: "out of memory") }
        defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
        // The packet owns a padded copy: decoders read up to AV_INPUT_BUFFER_PADDING_SIZE past the end.
        try check(av_new_packet(packet, Int32(data.count)), .decodeFailed, path: nil, "av_new_packet")
        data.withUnsafeBytes { raw in packet.pointee.data.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: data.count) }
        try check(avcodec_send_packet(context, packet), .decodeFailed, path: nil, "avcodec_send_packet")
        try check(avcodec_send_packet(context, nil), .decodeFailed, path: nil, "avcodec_send_packet")
        let received = avcodec_receive_frame(context, frame)
        if received == cffmpeg_averror_eof() || received == cffmpeg_averror_eagain() {
            throw MediaError(.decodeFailed, path: nil, reason: "the \(format.rawValue) data holds no complete picture")
        }
        try check(received, .decodeFailed, path: nil, "avcodec_receive_frame")
        guard frame.pointee.width > 0, frame.pointee.height > 0 else {
            throw MediaError(.decodeFailed, path: nil, reason: "the picture has no pixels")
        }
        return try body(frame, format)
    }

    private static func fillRGB(_ frame: UnsafeMutablePointer<AVFrame>, _ rgb: [UInt8], width: Int, height: Int) {
        let stride = Int(frame.pointee.linesize.0)
        let plane = frame.pointee.data.0!
        rgb.withUnsafeBufferPointer { source in
            for y in 0..<height { (plane + y * stride).update(from: source.baseAddress! + y * width * 3, count: width * 3) }
        }
    }

    /// RGB to full-range BT.601 4:2:0 (what JPEG stores), chroma averaged over 2×2 blocks.
    private static func fillYUV420(_ frame: UnsafeMutablePointer<AVFrame>, _ rgb: [UInt8], width: Int, height: Int) {
        let (yPlane, uPlane, vPlane) = (frame.pointee.data.0!, frame.pointee.data.1!, frame.pointee.data.2!)
        let (yStride, uStride, vStride) = (Int(frame.pointee.linesize.0), Int(frame.pointee.linesize.1), Int(frame.pointee.linesize.2))
        func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let (r, g, b) = (Double(rgb[i]), Double(rgb[i + 1]), Double(rgb[i + 2]))
                yPlane[y * yStride + x] = clamp(0.299 * r + 0.587 * g + 0.114 * b)
            }
        }
        for cy in 0..<((height + 1) / 2) {
            for cx in 0..<((width + 1) / 2) {
                var (r, g, b, n) = (0.0, 0.0, 0.0, 0.0)
                for dy in 0..<2 where cy * 2 + dy < height {
                    for dx in 0..<2 where cx * 2 + dx < width {
                        let i = ((cy * 2 + dy) * width + cx * 2 + dx) * 3
                        r += Double(rgb[i]); g += Double(rgb[i + 1]); b += Double(rgb[i + 2]); n += 1
                    }
                }
                (r, g, b) = (r / n, g / n, b / n)
                uPlane[cy * uStride + cx] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)
                vPlane[cy * vStride + cx] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
            }
        }
    }

    /// The decoded picture as 8-bit RGB rows, for the pixel formats JPEG decodes to.
    /// - Throws: `MediaError(.decodeFailed)` for another pixel format.
    private static func rgbPixels(_ frame: UnsafeMutablePointer<AVFrame>) throws -> [UInt8] {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        if format == AV_PIX_FMT_GRAY8 {
            let plane = frame.pointee.data.0!, stride = Int(frame.pointee.linesize.0)
            for y in 0..<height { for x in 0..<width { let v = plane[y * stride + x]; let i = (y * width + x) * 3; out[i] = v; out[i + 1] = v; out[i + 2] = v } }
            return out
        }
        let subsampling: (x: Int, y: Int)
        let fullRange: Bool
        switch format {
        case AV_PIX_FMT_YUVJ420P: (subsampling, fullRange) = ((2, 2), true)
        case AV_PIX_FMT_YUVJ422P: (subsampling, fullRange) = ((2, 1), true)
        case AV_PIX_FMT_YUVJ444P: (subsampling, fullRange) = ((1, 1), true)
        case AV_PIX_FMT_YUV420P: (subsampling, fullRange) = ((2, 2), false)
        case AV_PIX_FMT_YUV422P: (subsampling, fullRange) = ((2, 1), false)
        case AV_PIX_FMT_YUV444P: (subsampling, fullRange) = ((1, 1), false)
        default:
            throw MediaError(.decodeFailed, path: nil, reason: "JPEG pixel format \(format.rawValue) cannot be converted to PNG")
        }
        let (yPlane, uPlane, vPlane) = (frame.pointee.data.0!, frame.pointee.data.1!, frame.pointee.data.2!)
        let (yStride, uStride, vStride) = (Int(frame.pointee.linesize.0), Int(frame.pointee.linesize.1), Int(frame.pointee.linesize.2))
        for y in 0..<height {
            for x in 0..<width {
                var luma = Double(yPlane[y * yStride + x])
                var cb = Double(uPlane[(y / subsampling.y) * uStride + x / subsampling.x]) - 128
                var cr = Double(vPlane[(y / subsampling.y) * vStride + x / subsampling.x]) - 128
                if !fullRange { luma = (luma - 16) * 255 / 219; cb *= 255 / 224; cr *= 255 / 224 }
                let i = (y * width + x) * 3
                out[i] = clamp(luma + 1.402 * cr)
                out[i + 1] = clamp(luma - 0.344136 * cb - 0.714136 * cr)
                out[i + 2] = clamp(luma + 1.772 * cb)
            }
        }
        return out
    }
}
