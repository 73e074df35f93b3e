import Basics
import Foundation
import Pipeline

/// Shows `runner process`'s events: on a terminal, kept lines above one progress bar redrawn in
/// place (files, steps, audio seconds); elsewhere (a log, a pipe), the kept lines plus a plain
/// progress line at most every 10 seconds.
final class ProgressDisplay: Sendable {
    private struct State {
        var bar: String?
        var lastPlain = ContinuousClock.now - .seconds(60)
        var lastProgress: BatchProgress?
    }

    private let terminal: Bool
    private let state = Locked(State())

    init(terminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.terminal = terminal
    }

    /// Messages go to `stream` (stdout, or stderr for log records); the bar is always on stdout.
    func handle(_ event: BatchEvent, to stream: FileHandle = .standardOutput) {
        state.withLock { state in
            switch event {
            case .message(let line):
                if terminal, state.bar != nil { write("\r\u{1B}[2K") }
                stream.write(Data((line + "\n").utf8))
                if terminal, let bar = state.bar { write(bar) }
            case .progress(let progress):
                state.lastProgress = progress
                if terminal {
                    let bar = Self.bar(progress, width: Self.columns())
                    state.bar = bar
                    write("\r\u{1B}[2K" + bar)
                } else if ContinuousClock.now - state.lastPlain >= .seconds(10) {
                    state.lastPlain = .now
                    write("progress: " + Self.summary(progress) + "\n")
                }
            }
        }
    }

    /// Leaves the terminal on a fresh line with the final figures.
    func finish() {
        state.withLock { state in
            if terminal, state.bar != nil {
                write("\r\u{1B}[2K")
                state.bar = nil
            }
            if let last = state.lastProgress { write("done: " + Self.summary(last) + "\n") }
        }
    }

    static func bar(_ progress: BatchProgress, width: Int) -> String {
        let text = String(format: " %3d%%  ", Int(progress.fraction * 100)) + summary(progress)
        let cells = max(10, min(30, width - text.count - 3))
        let filled = Int((progress.fraction * Double(cells)).rounded(.down))
        let line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: cells - filled) + "]" + text
        return String(line.prefix(max(20, width - 1)))
    }

    static func summary(_ p: BatchProgress) -> String {
        var parts = [clock(p.elapsedSeconds), "files \(p.filesFinished)/\(p.files)" + (p.filesFailed > 0 ? " (\(p.filesFailed) failed)" : ""),
                     "steps \(p.stepsDone)/\(p.stepsTotal)"]
        if p.audioToTranscribe > 0 { parts.append("recordings \(clock(p.audioTranscribed))/\(clock(p.audioToTranscribe))") }
        if p.audioNarrated > 0 { parts.append("narrated \(clock(p.audioNarrated))") }
        return parts.joined(separator: "  ")
    }

    /// h:mm:ss or m:ss.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.down))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private static func columns() -> Int {
        var size = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 100
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
