import Foundation

/// FFmpeg reads a bare path as a URL when it contains a colon (`a:b.mp3` looks like protocol
/// `a`), so every local path is handed over with the explicit `file:` protocol.
func ffmpegURL(forPath path: String) -> String {
    "file:" + (path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
}

/// Checks that `path` is a readable regular file before FFmpeg opens it: opening a FIFO or a
/// device would block in `open(2)` before any timeout can act.
package func checkReadableRegularFile(_ path: String) throws {
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

/// A file error in plain words: the POSIX reason (`strerror`) under a Foundation error, instead
/// of `NSCocoaErrorDomain Code=256` or "You don't have permission." for a FIFO.
package func plainFileReason(_ error: any Error) -> String {
    let nsError = error as NSError
    if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSCocoaErrorDomain {
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: return "the file is not valid UTF-8 text"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "the file name is too long or not valid"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        default: return "file system error (\(nsError.code))"
        }
    }
    return "\(error)"
}
