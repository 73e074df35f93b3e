internal import CFFmpeg

/// An opened input file: owns its `AVFormatContext` and the interrupt state FFmpeg polls.
final class InputContainer {
    let path: String
    let context: UnsafeMutablePointer<AVFormatContext>
    let interrupt: InterruptState

    /// Opens `path` and reads enough to know its streams.
    /// - Throws: `MediaError` (`openFailed`, `notMedia`, `timedOut`) naming the file.
    init(path: String, ioTimeout: Double = 30) throws {
        _ = ffmpegSetUp
        try checkReadableRegularFile(path)
        self.path = path
        let interrupt = InterruptState(inactivityTimeout: ioTimeout)
        guard var ctx = avformat_alloc_context() else {
            throw MediaError(.openFailed, path: path, reason: "out of memory")
        }
        ctx.pointee.interrupt_callback = interrupt.callback
        var optional: UnsafeMutablePointer<AVFormatContext>? = ctx
        let opened = avformat_open_input(&optional, ffmpegURL(forPath: path), nil, nil)
        guard opened >= 0, let openedContext = optional else {
            // avformat_open_input frees the context on failure.
            if interrupt.didTimeOut { throw MediaError(.timedOut, path: path, reason: "no data for \(ioTimeout) s while opening") }
            // The file exists and is readable (checked above): FFmpeg failing to open it
            // means it does not recognise the contents.
            var reason = "not a recognised audio or video file (\(ffmpegErrorString(opened))"
            if let line = takeFFmpegLogLine() { reason += ": \(line)" }
            throw MediaError(.notMedia, path: path, reason: reason + ")")
        }
        ctx = openedContext
        let found = avformat_find_stream_info(ctx, nil)
        if found < 0 {
            var toClose: UnsafeMutablePointer<AVFormatContext>? = ctx
            avformat_close_input(&toClose)
            if interrupt.didTimeOut { throw MediaError(.timedOut, path: path, reason: "no data for \(ioTimeout) s while probing") }
            try check(found, .notMedia, path: path, "find stream info")
        }
        self.context = ctx
        self.interrupt = interrupt
    }

    deinit {
        var toClose: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&toClose)
    }

    var streamCount: Int { Int(context.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// The audio stream FFmpeg judges best (ignoring cover art), or nil when there is none.
    func bestAudioStreamIndex() -> Int? {
        let best = av_find_best_stream(context, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        return best >= 0 ? Int(best) : nil
    }
}

@available(*, unavailable)
extension InputContainer: Sendable {}
