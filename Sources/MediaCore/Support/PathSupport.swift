import Foundation

/// FFmpeg reads a bare path as a URL when it contains a colon (`a:b.mp3` looks like protocol
/// `a`), so every local path is handed over with the explicit `file:` protocol.
func ffmpegURL(forPath path: String) -> String {
    "file:" + (path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
}

/// Checks that `path` is a readable regular file before FFmpeg opens it: opening a FIFO or a
/// device would block in `open(2)` before any timeout can act.
func checkReadableRegularFile(_ path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw MediaError(.openFailed, path: path, reason: String(cString: strerror(errno)))
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
        throw MediaError(.openFailed, path: path, reason: "not a regular file")
    }
    guard access(path, R_OK) == 0 else {
        throw MediaError(.openFailed, path: path, reason: String(cString: strerror(errno)))
    }
    guard info.st_size > 0 else {
        throw MediaError(.notMedia, path: path, reason: "the file is empty (0 bytes)")
    }
}
