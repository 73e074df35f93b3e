import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files a batch will work on, found from the paths a user gave.
public struct DiscoveredInputs: Sendable {
    public struct Item: Sendable, Equatable {
        public var path: String
        /// Name of its output folder: the file name, or its path relative to the directory given.
        public var name: String
    }
    public var items: [Item] = []
    /// Files passed over in directories because they are not audio or video (path, reason).
    public var skipped: [(path: String, reason: String)] = []
    /// Paths that cannot be worked on at all (path, reason).
    public var failures: [(path: String, reason: String)] = []
}

/// Finds the inputs of a batch: files as given, directories walked recursively in name order.
public enum InputDiscovery {
    /// File name extensions of audio and video files FFmpeg reads: the one list `runner chunk`
    /// and `runner process` both use.
    public static let mediaExtensions: Set<String> = [
        "mp3", "wav", "wave", "flac", "ogg", "oga", "opus", "m4a", "m4b", "aac", "mp4", "m4v", "mkv", "mka",
        "webm", "mov", "wma", "wmv", "aif", "aiff", "aifc", "amr", "3gp", "caf", "ac3", "eac3", "au", "snd",
        "mp2", "mpga", "avi", "ts", "mts", "spx", "wv", "ape", "dts", "flv",
    ]

    public static func isMediaFile(_ path: String) -> Bool {
        mediaExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// - Parameter excluding: a folder never walked into (the output folder).
    public static func discover(_ paths: [String], excluding: String? = nil) -> DiscoveredInputs {
        let fm = FileManager.default
        var result = DiscoveredInputs()
        var names: [String: String] = [:]
        func add(_ path: String, name: String) {
            if let other = names[name] {
                result.failures.append((path, "its output folder name \"\(name)\" is already used by \(other)"))
                return
            }
            names[name] = path
            result.items.append(.init(path: path, name: name))
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                result.failures.append((path, "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                var info = stat()
                if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                    result.failures.append((path, "not a regular file (a FIFO, socket or device cannot be chunked)"))
                    continue
                }
                add(path, name: (path as NSString).lastPathComponent)
                continue
            }
            // The same walk as `runner process`: hidden files, links, FIFOs and undecodable
            // names are reported, never dropped without a word.
            for entry in DirectoryScan.walk(path, excluding: excluding).entries {
                switch entry.outcome {
                case .file where isMediaFile(entry.relative): add(entry.path, name: entry.relative)
                case .file: result.skipped.append((entry.path, "not an audio or video file"))
                case .skipped(let reason): result.skipped.append((entry.path, reason))
                case .failed(let reason): result.failures.append((entry.path, reason))
                }
            }
        }
        return result
    }
}
