import Foundation
import MediaCore

/// The POSIX file operations `LocalStorage` is built from; each failure names the call and path.
enum LocalFiles {
    static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StorageError.fileSystem("mkdir \(path): \(plainFileReason(error))")
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The size of the regular file at `path`, nil when there is none.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func rename(_ from: String, to destination: String) throws {
        guard Foundation.rename(from, destination) == 0 else {
            throw StorageError.fileSystem("rename", path: destination, errno: errno)
        }
    }

    static func removeIfPresent(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw StorageError.fileSystem("unlink", path: path, errno: errno) }
    }

    /// Removes empty directories from `path`'s parent upwards, stopping at `root`.
    static func removeEmptyParents(of path: String, stoppingAt root: String) {
        var dir = (path as NSString).deletingLastPathComponent
        while dir.count > root.count, dir.hasPrefix(root), rmdir(dir) == 0 {
            dir = (dir as NSString).deletingLastPathComponent
        }
    }

    /// Writes `data` to a new file at `path` and, when `sync`, flushes it to disk.
    static func write(_ data: Data, to path: String, sync: Bool = true) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StorageError.fileSystem("open", path: path, errno: errno) }
        defer { close(fd) }
        try data.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        guard !sync || fsync(fd) == 0 else { throw StorageError.fileSystem("fsync", path: path, errno: errno) }
    }

    /// Copies the file at `source` to a new file at `destination` in 1 MiB chunks and flushes it.
    static func copy(from source: String, to destination: String) throws {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { throw StorageError.fileSystem("open", path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard output >= 0 else { throw StorageError.fileSystem("open", path: destination, errno: errno) }
        defer { close(output) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, size)
            if count < 0 {
                if errno == EINTR { continue }
                throw StorageError.fileSystem("read", path: source, errno: errno)
            }
            if count == 0 { break }
            try writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<count]), path: destination)
        }
        guard fsync(output) == 0 else { throw StorageError.fileSystem("fsync", path: destination, errno: errno) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageError.fileSystem("write", path: path, errno: errno)
            }
            offset += written
        }
    }

    /// Paths, relative to `root`, of every regular file below it, skipping the top-level folder
    /// named `skipping`.
    static func regularFiles(under root: String, skipping reserved: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw StorageError.fileSystem("cannot list \(root)")
        }
        var keys: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative == reserved {
                walker.skipDescendants()
                continue
            }
            if isRegularFile("\(root)/\(relative)") { keys.append(relative) }
        }
        return keys
    }
}
