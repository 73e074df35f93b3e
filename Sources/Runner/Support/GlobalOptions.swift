import ArgumentParser
import Foundation
import Logging

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log progress details to stderr.")
    var verbose = false

    /// Bootstraps swift-log once, to stderr (or, given `lines`, to that: e.g. a progress display
    /// that must clear its bar first), at warning (or debug with --verbose).
    func makeLogger(_ label: String, lines: (@Sendable (String) -> Void)? = nil) -> Logger {
        LoggingBootstrap.once(level: verbose ? .debug : .warning, lines: lines)
        return Logger(label: label)
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    static func once(level: Logger.Level, lines: (@Sendable (String) -> Void)?) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            if let lines { return LineLogHandler(label: label, logLevel: level, write: lines) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Formats each record as one line (time, level, label, metadata, message) and hands it on.
struct LineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let write: @Sendable (String) -> Void

    init(label: String, logLevel: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = logLevel
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon))
        write("\(time) \(event.level) \(label):\(fields.isEmpty ? "" : " " + fields) \(event.message)")
    }
}

/// Writes to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// JSON the way every command prints it.
func jsonString(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
