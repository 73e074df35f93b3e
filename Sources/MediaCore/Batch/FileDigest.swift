import Basics
import Crypto
import Foundation

/// SHA-256 of a file, or of `length` bytes from `offset`, read in fixed-size blocks with
/// `pread` so memory stays flat. The one file hasher of the project (storage uses it too).
/// - Throws: `MediaError.io` naming the file and the system's reason.
package func sha256Hex(ofFile path: String, offset: Int64 = 0, length: Int64? = nil,
                       blockSize: Int = 1 << 20) throws -> (hex: String, bytes: Int64) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw MediaError(.io, path: path, reason: "open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var hasher = SHA256()
    var total: Int64 = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
    defer { buffer.deallocate() }
    while length.map({ total < $0 }) ?? true {
        let want = length.map { Int(min(Int64(blockSize), $0 - total)) } ?? blockSize
        let count = pread(fd, buffer.baseAddress, want, off_t(offset + total))
        if count < 0 {
            if errno == EINTR { continue }
            throw MediaError(.io, path: path, reason: "read: \(String(cString: strerror(errno)))")
        }
        if count == 0 { break }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        total += Int64(count)
    }
    return (hexString(hasher.finalize()), total)
}
