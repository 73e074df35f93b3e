import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a walk of an input folder found: the files to work on and, for everything else, why it
/// was passed over. `runner chunk` and `runner process` both walk folders with it, so that they
/// see and report the same things.
///
/// Rules (documented in the README): hidden files and folders (name starting with `.`) are
/// skipped; a symbolic link to a regular file is followed (it is worked on under the link's
/// name); a symbolic link to a folder is not followed, so links can never make the walk loop;
/// a dangling or looping link, or a name that is not valid UTF-8, fails; FIFOs, sockets and
/// devices are skipped. Nothing is ever opened, so a FIFO cannot block the walk.
public struct DirectoryScan: Sendable {
    /// One thing found, with its path relative to the folder walked.
    public struct Entry: Sendable, Equatable {
        public enum Outcome: Sendable, Equatable {
            /// A regular file (or a link to one) to work on.
            case file
            /// Passed over on purpose; the reason says why.
            case skipped(String)
            /// Cannot be worked on; the reason says why and what to do.
            case failed(String)
        }
        public var path: String
        public var relative: String
        public var outcome: Outcome
    }

    /// Every entry, in the byte order of relative paths.
    public var entries: [Entry] = []

    public var files: [Entry] { entries.filter { $0.outcome == .file } }

    /// Walks `root` recursively.
    /// - Parameter excluding: a folder never walked into (the output folder inside the input).
    public static func walk(_ root: String, excluding: String? = nil) -> DirectoryScan {
        var scan = DirectoryScan()
        let excluded = excluding.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        scan.walk(directory: root, relative: "", excluded: excluded)
        scan.entries.sort { Array($0.relative.utf8).lexicographicallyPrecedes(Array($1.relative.utf8)) }
        return scan
    }

    private mutating func walk(directory: String, relative: String, excluded: String?) {
        guard let dir = opendir(directory) else {
            let reason = String(cString: strerror(errno))
            if !relative.isEmpty { entries.append(Entry(path: directory, relative: relative, outcome: .failed("cannot read the folder: \(reason)"))) }
            return
        }
        defer { closedir(dir) }
        while let item = readdir(dir) {
            let bytes = withUnsafeBytes(of: item.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            let lossy = String(decoding: bytes, as: UTF8.self)
            let childRelative = relative.isEmpty ? lossy : relative + "/" + lossy
            let childPath = (directory as NSString).appendingPathComponent(lossy)
            guard let name = String(validating: bytes, as: UTF8.self) else {
                entries.append(Entry(path: childPath, relative: childRelative, outcome: .failed(
                    "the file name is not valid UTF-8 (shown with \u{FFFD} for the bad bytes); rename it to process it")))
                continue
            }
            if let excluded, URL(fileURLWithPath: childPath).standardizedFileURL.path == excluded { continue }
            var info = stat()
            guard lstat(childPath, &info) == 0 else {
                entries.append(Entry(path: childPath, relative: childRelative, outcome: .failed("cannot read: \(String(cString: strerror(errno)))")))
                continue
            }
            let type = info.st_mode & S_IFMT
            if name.hasPrefix(".") {
                entries.append(Entry(path: childPath, relative: childRelative + (type == S_IFDIR ? "/" : ""), outcome: .skipped(
                    type == S_IFDIR ? "hidden folder (its name starts with a dot)" : "hidden file (its name starts with a dot)")))
                continue
            }
            switch type {
            case S_IFDIR:
                walk(directory: childPath, relative: childRelative, excluded: excluded)
            case S_IFREG:
                entries.append(Entry(path: childPath, relative: childRelative, outcome: .file))
            case S_IFLNK:
                entries.append(Entry(path: childPath, relative: childRelative, outcome: Self.link(childPath)))
            default:
                entries.append(Entry(path: childPath, relative: childRelative, outcome: .skipped(Self.describe(type) + ", not a regular file")))
            }
        }
    }

    /// Where a symbolic link leads: a regular file is followed; anything else is reported.
    private static func link(_ path: String) -> Entry.Outcome {
        var target = stat()
        guard stat(path, &target) == 0 else {
            switch errno {
            case ELOOP: return .failed("symbolic link loop: the link leads back to itself")
            case ENOENT, ENOTDIR: return .failed("dangling symbolic link: its target does not exist")
            default: return .failed("symbolic link whose target cannot be read: \(String(cString: strerror(errno)))")
            }
        }
        switch target.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .skipped("symbolic link to a folder, not followed")
        case let type: return .skipped("symbolic link to \(describe(type)), not a regular file")
        }
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "a special file"
        }
    }
}
