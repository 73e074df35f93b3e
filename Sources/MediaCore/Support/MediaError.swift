internal import CFFmpeg
internal import CFFmpegSupport

/// An error from MediaCore: which operation failed, on which input, and why, in FFmpeg's own
/// words where FFmpeg gave a reason.
public struct MediaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is. New kinds may be added: switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case openFailed = "cannot open"
            case notMedia = "not a media file"
            case noAudio = "no audio stream"
            case decodeFailed = "decode failed"
            case encodeFailed = "encode failed"
            case resampleFailed = "resample failed"
            case invalidArgument = "invalid argument"
            case io = "i/o error"
            case timedOut = "timed out"
            case cancelled = "cancelled"
            case empty = "no audio samples"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        public static let openFailed = Code(.openFailed)
        public static let notMedia = Code(.notMedia)
        public static let noAudio = Code(.noAudio)
        public static let decodeFailed = Code(.decodeFailed)
        public static let encodeFailed = Code(.encodeFailed)
        public static let resampleFailed = Code(.resampleFailed)
        public static let invalidArgument = Code(.invalidArgument)
        public static let io = Code(.io)
        public static let timedOut = Code(.timedOut)
        public static let cancelled = Code(.cancelled)
        public static let empty = Code(.empty)
    }

    public let code: Code
    /// The file the failure concerns, when there is one.
    public let path: String?
    /// A short human reason (FFmpeg's message, or ours).
    public let reason: String

    public init(_ code: Code, path: String?, reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String {
        if let path { return "\(path): \(code): \(reason)" }
        return "\(code): \(reason)"
    }
}

/// FFmpeg's description of an error code (`av_strerror`).
func ffmpegErrorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The last error line FFmpeg logged on this thread, if any, consumed.
func takeFFmpegLogLine() -> String? {
    var buffer = [CChar](repeating: 0, count: 512)
    let n = cffmpeg_take_last_log(&buffer, buffer.count)
    guard n > 0 else { return nil }
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The chokepoint that turns an FFmpeg return code into a `MediaError`: negative codes throw,
/// with the operation, FFmpeg's error string and the last line FFmpeg logged.
@discardableResult
func check(_ result: Int32, _ code: MediaError.Code, path: String?, _ operation: StaticString) throws -> Int32 {
    guard result < 0 else { return result }
    if result == cffmpeg_averror_exit() { throw MediaError(.cancelled, path: path, reason: "\(operation) interrupted") }
    var reason = "\(operation): \(ffmpegErrorString(result))"
    if let line = takeFFmpegLogLine(), !line.isEmpty { reason += " (\(line))" }
    throw MediaError(code, path: path, reason: reason)
}

/// Installs FFmpeg's log capture once per process: FFmpeg's stderr chatter is silenced and its
/// error lines are kept for `check`.
let ffmpegSetUp: Void = {
    cffmpeg_install_log_capture()
    av_log_set_level(AV_LOG_ERROR)
}()
